/**
 * `retention-cleanup` on `rows` delivered outbox rows past their retention (and a tenth as many
 * young ones that stay): Warden's job against one bare DELETE, in rows deleted a second, and the
 * longest any one transaction held its row locks (the bare DELETE holds them all to the end).
 */
import type postgres from "postgres";
import { type Retention, retentionJob } from "../domain/retention.ts";
import { checkpoint, context, timed } from "./measure.ts";

const RETENTION: Retention = {
  outboxDays: 7,
  runHistoryDays: 30,
  eventsDays: 30,
  quizDays: 7,
  metricsDays: 90,
};

async function fill(sql: postgres.Sql, rows: number, now: Date) {
  await sql`TRUNCATE outbox`;
  await sql`
    INSERT INTO outbox (chat_id, text, dedupe_key, state, attempts, created_at, sent_at)
    SELECT 1 + g % 1000, 'bench message ' || g, 'retention:' || g, 'sent', 1,
           ${now}::timestamptz - interval '10 days', ${now}::timestamptz - interval '10 days' + g * interval '1 millisecond'
    FROM generate_series(1, ${rows}) g`;
  await sql`
    INSERT INTO outbox (chat_id, text, dedupe_key, state, attempts, created_at, sent_at)
    SELECT 1 + g % 1000, 'young ' || g, 'young:' || g, 'sent', 1, ${now}, ${now}
    FROM generate_series(1, ${Math.ceil(rows / 10)}) g`;
  await sql`VACUUM ANALYZE outbox`;
  await checkpoint(sql);
}

/** `sql` whose transactions are timed: the longest is how long a batch held its locks. */
function timedTransactions(sql: postgres.Sql) {
  let longestMs = 0;
  const wrapped = new Proxy(sql, {
    get(target, key, receiver) {
      if (key !== "begin") return Reflect.get(target, key, receiver);
      return async (fn: (tx: postgres.TransactionSql) => unknown) => {
        const t0 = performance.now();
        try {
          return await target.begin(fn as never);
        } finally {
          longestMs = Math.max(longestMs, performance.now() - t0);
        }
      };
    },
  }) as postgres.Sql;
  return { sql: wrapped, longestMs: () => longestMs };
}

export async function retentionBench(sql: postgres.Sql, rows: number) {
  const now = new Date();
  await fill(sql, rows, now);
  const timedSql = timedTransactions(sql);
  const job = retentionJob(RETENTION);
  const warden = await timed(() => job.run(context(timedSql.sql, now)));
  const deleted = warden.value?.details?.outbox as number;

  await fill(sql, rows, now);
  const bound = await timed(async () =>
    (await sql`
      DELETE FROM outbox WHERE state IN ('sent', 'dropped', 'failed', 'expired')
        AND coalesce(sent_at, created_at) < ${new Date(now.getTime() - 7 * 86_400_000)}`).count
  );
  if (deleted !== rows || bound.value !== rows) {
    throw new Error(
      `retention-cleanup deleted ${deleted}, the bare DELETE ${bound.value}, of ${rows}`,
    );
  }
  const wardenPerS = rows / warden.seconds;
  const boundPerS = rows / bound.seconds;
  return {
    job: "retention-cleanup",
    rows,
    warden_per_s: Math.round(wardenPerS),
    bound_per_s: Math.round(boundPerS),
    vs_bound: +(wardenPerS / boundPerS).toFixed(3),
    longest_lock_ms: Math.round(timedSql.longestMs()),
    bound_lock_ms: Math.round(bound.seconds * 1000),
  };
}

import assert from "node:assert/strict";
import type postgres from "postgres";
import { standaloneContext } from "../actors/job.ts";
import { KEEP_RUNS_PER_JOB, type Retention, retentionJob } from "../domain/retention.ts";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";
import { community } from "./fakes/community.ts";

const SLOT = new Date("2026-06-30T12:30:00Z");
const RETENTION: Retention = {
  outboxDays: 7,
  runHistoryDays: 30,
  eventsDays: 30,
  quizDays: 7,
  metricsDays: 14,
};
const daysAgo = (d: number) => new Date(SLOT.getTime() - d * 86_400_000);

/** Rows on both sides of every retention edge, written set-based. */
async function history(sql: postgres.Sql) {
  await community(sql, { id: -1 }, [{ user: 1 }]);
  // outbox: finished rows old and young, and unfinished ones however old
  await sql`
    INSERT INTO outbox (chat_id, text, dedupe_key, state, created_at, sent_at)
    SELECT -1, 'x', s.state || i, s.state, ${daysAgo(40)}::timestamptz,
           CASE WHEN s.state = 'sent' THEN ${
    daysAgo(40)
  }::timestamptz + (i % 40) * interval '1 day' END
    FROM generate_series(1, 40) i,
         (VALUES ('sent'), ('dropped'), ('failed'), ('pending'), ('sending')) AS s(state)`;
  // job_runs: 150 old runs of one job and one still running (the newest 100 stay), 10 of another
  await sql`
    INSERT INTO job_runs (id, job, scheduled_for, trigger, node, outcome, started_at, finished_at)
    SELECT gen_random_uuid(), 'busy', t, 'cron', 'n', 'succeeded', t, t + interval '1 second'
    FROM generate_series(${daysAgo(200)}::timestamptz, ${
    daysAgo(200)
  }::timestamptz + interval '149 hours', interval '1 hour') t`;
  await sql`
    INSERT INTO job_runs (id, job, scheduled_for, trigger, node, outcome, started_at, finished_at)
    SELECT gen_random_uuid(), 'rare', t, 'manual', 'n', 'failed', t, t
    FROM generate_series(${daysAgo(90)}::timestamptz, ${
    daysAgo(81)
  }::timestamptz, interval '1 day') t`;
  await sql`
    INSERT INTO job_runs (id, job, scheduled_for, trigger, node, outcome, started_at)
    VALUES (gen_random_uuid(), 'busy', ${daysAgo(60)}, 'manual', 'n', 'running', ${daysAgo(60)})`;
  await sql`
    INSERT INTO events (kind, chat_id, dedupe_key, created_at)
    SELECT 'x', -1, 'e' || d, ${SLOT}::timestamptz - d * interval '1 day' FROM generate_series(1, 60) d`;
  await sql`
    INSERT INTO quiz_sessions (chat_id, user_id, status, started_at, expires_at, completed_at)
    SELECT -1, 1, s.status, e - interval '10 minutes', e, CASE WHEN s.status = 'completed' THEN e END
    FROM (VALUES ('expired', ${daysAgo(8)}::timestamptz), ('completed', ${daysAgo(2)}::timestamptz),
                 ('active', ${daysAgo(9)}::timestamptz), ('completed', ${
    daysAgo(9)
  }::timestamptz)) AS s(status, e)`;
  await sql`
    INSERT INTO chat_metrics (chat_id, at, active_24h, active_7d, messages_24h, xp_24h, level_ups_24h,
                              badges_24h, streaks_alive, outbox_backlog)
    SELECT -1, ${SLOT}::timestamptz - d * interval '1 day', 0, 0, 0, 0, 0, 0, 0, 0
    FROM generate_series(1, 20) d`;
  await sql`
    INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
    VALUES (-1, 1, 5, 'message', 'msg:1', ${daysAgo(400)})`;
}

async function counts(sql: postgres.Sql) {
  const [c] = await sql`
    SELECT
      (SELECT count(*) FROM outbox WHERE state IN ('sent', 'dropped', 'failed'))::int AS finished_outbox,
      (SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending'))::int AS waiting_outbox,
      (SELECT count(*) FROM job_runs WHERE job = 'busy')::int AS busy_runs,
      (SELECT count(*) FROM job_runs WHERE job = 'rare')::int AS rare_runs,
      (SELECT count(*) FROM job_runs WHERE outcome = 'running')::int AS running,
      (SELECT count(*) FROM events)::int AS events,
      (SELECT count(*) FROM quiz_sessions)::int AS quiz,
      (SELECT count(*) FROM chat_metrics)::int AS metrics,
      (SELECT count(*) FROM xp_ledger)::int AS ledger`;
  return { ...c };
}

function run(sql: postgres.Sql, options: { batchSize?: number; signal?: AbortSignal } = {}) {
  const ctx = standaloneContext({
    db: sql,
    clock: fakeClock(SLOT),
    scheduledFor: SLOT,
    signal: options.signal,
  });
  return retentionJob(RETENTION, { batchSize: options.batchSize ?? 7 }).run(ctx);
}

Deno.test("retention-cleanup deletes finished rows past their retention, in batches; a second run of the slot deletes nothing", async () => {
  await using db = await testDatabase();
  await history(db.sql);
  const result = await run(db.sql);
  assert.deepEqual(await counts(db.sql), {
    // sent rows finished 1..40 days ago: the 7 no older than 7 days stay; dropped and failed go
    finished_outbox: 7,
    waiting_outbox: 80, // pending and sending rows are never deleted, however old
    busy_runs: KEEP_RUNS_PER_JOB, // 151 runs, one still running: the newest 100 stay
    rare_runs: 10, // fewer than 100 runs: all stay
    running: 1,
    events: 30, // 1..30 days old stay (30 is the edge: not older than it); 31..60 go
    quiz: 2, // the active one, and the one completed 2 days ago
    metrics: 14, // snapshots 1..14 days old stay
    ledger: 1, // never
  });
  assert.deepEqual(result?.details, {
    outbox: 113,
    job_runs: 51,
    events: 30,
    quiz_sessions: 2,
    chat_metrics: 6,
    dashboard_revoked_sessions: 0,
    dashboard_forms: 0,
  });

  const again = await run(db.sql);
  assert.equal(again?.changed, 0, "the same slot again deletes nothing more");
});

Deno.test("retention-cleanup stopped midway leaves whole batches done; the next run finishes the rest", async () => {
  await using db = await testDatabase();
  await history(db.sql);
  const stop = new AbortController();
  let batches = 0;
  const counting = new Proxy(db.sql, {
    get(target, key, receiver) {
      if (key === "begin") {
        return async (fn: (tx: postgres.TransactionSql) => unknown) => {
          const r = await target.begin(fn as never);
          if (++batches === 3) stop.abort(new Error("killed"));
          return r;
        };
      }
      return Reflect.get(target, key, receiver);
    },
  }) as postgres.Sql;
  await assert.rejects(run(counting, { signal: stop.signal }), /killed/);
  const [{ n }] = await db.sql`
    SELECT count(*)::int AS n FROM outbox WHERE state IN ('sent', 'dropped', 'failed')`;
  assert.equal(n, 120 - 3 * 7, "three whole batches of 7, nothing half done");
  await run(db.sql);
  assert.equal((await counts(db.sql)).finished_outbox, 7);
});

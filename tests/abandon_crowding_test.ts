import assert from "node:assert/strict";
import { testDatabase } from "./db.ts";
import { until } from "./fakes/deadline.ts";
import { dbRuntime, job } from "./fakes/runtime.ts";

const now = new Date(Date.UTC(2026, 4, 1, 12));
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);

Deno.test("more than 100 abandoned slots nobody can act on (past their grace, paused) never hide one that can be run again, on either of two replicas", async () => {
  await using db = await testDatabase();
  const runs: string[] = [];
  const spec = (name: string, grace: string) =>
    job({
      name,
      catchUp: { policy: "skip", grace },
      run: (ctx) => (runs.push(`${name} ${ctx.trigger}`), Promise.resolve({ processed: 1 })),
    });
  const jobs = [spec("brief", "5m"), spec("held", "2h"), spec("owed", "2h")];
  // 120 slots of "brief" past its 5-minute grace, 120 of the paused "held", all older than
  // the one slot of "owed" (within its grace) that must run again.
  await db.sql`
    INSERT INTO job_runs (id, job, scheduled_for, trigger, node, outcome, finished_at, error)
    SELECT gen_random_uuid(), j, ${minutesAgo(100)}::timestamptz + i * interval '10 seconds',
           'cron', 'gone', 'abandoned', now(), 'lease expired: node gone stopped renewing it'
    FROM unnest(array['brief', 'held']) AS j, generate_series(1, 120) AS i`;
  const [owed] = await db.sql<{ id: string }[]>`
    INSERT INTO job_runs (id, job, scheduled_for, trigger, node, outcome, finished_at, error)
    VALUES (gen_random_uuid(), 'owed', ${minutesAgo(30)}, 'cron', 'gone', 'abandoned', now(),
            'lease expired: node gone stopped renewing it')
    RETURNING id`;
  await db.sql`INSERT INTO job_state (job, paused) VALUES ('held', true)`;

  await using a = dbRuntime(db.url, jobs, { node: "a" });
  await using b = dbRuntime(db.url, jobs, { node: "b" });
  for (const r of [a, b]) await r.clock.advanceTo(now);
  a.runtime.start();
  b.runtime.start();
  await Promise.all([a.runtime.syncControl(), b.runtime.syncControl()]);
  await until("the one actionable slot to run again", async () => {
    const [row] = await db.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM job_runs WHERE retry_of = ${owed.id} AND outcome = 'succeeded'`;
    return row.n === 1;
  });
  await Promise.all([a.runtime.syncControl(), b.runtime.syncControl()]);
  assert.deepEqual(runs, ["owed retry"], "only the actionable slot ran, once");
});

import assert from "node:assert/strict";
import { healthMonitorJob } from "../domain/health_monitor.ts";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";
import { runJob } from "./fakes/community.ts";
import { ready, serveApp } from "./fakes/http.ts";
import { dbRuntime, job, untilRegistered } from "./fakes/runtime.ts";

const DAY = 86_400_000;
const T0 = new Date("2026-05-01T00:00:00Z");

/**
 * A cluster upgraded to migration 0031: `job_state.known_since` is empty for the jobs it has run
 * for days. The first replica to start registers them, but a job that has run (and never
 * succeeded) is known since its first kept run, not since that replica's start: the upgrade does
 * not make a job that has failed for three days fresh, nor close its open stale incident as
 * recovered.
 */
Deno.test("after the upgrade to known_since, a job that has run and never succeeded is still stale, and its stale incident stays open", async () => {
  await using db = await testDatabase();
  for (let d = 0; d < 3; d++) {
    const at = new Date(T0.getTime() + d * DAY + 3 * 3_600_000);
    await db.sql`
      INSERT INTO job_runs (id, job, scheduled_for, trigger, node, outcome, started_at,
                            finished_at, error)
      VALUES (gen_random_uuid(), 'daily', ${at}, 'cron', 'a', 'failed', ${at}, ${at}, 'boom')`;
  }
  const spec = job({ name: "daily", schedule: "0 3 * * *", run: () => Promise.resolve() });
  const monitor = healthMonitorJob({ watched: [spec], pauseAlertAfterMs: DAY });
  const before = new Date(T0.getTime() + 2 * DAY + 12 * 3_600_000);
  await runJob(monitor, db.sql, before);
  assert.deepEqual([
    ...await db.sql`SELECT reason FROM incidents WHERE closed_at IS NULL AND reason = 'stale'`,
  ], [
    { reason: "stale" },
  ], "stale before the upgrade: no success since its first run, two and a half days ago");

  const now = new Date(T0.getTime() + 3 * DAY); // the upgraded replica starts
  const clock = fakeClock(now);
  await using r = dbRuntime(db.url, [spec], { node: "a", clock, catchUp: false });
  r.runtime.start();
  await untilRegistered(db.sql, "daily");
  await using http = serveApp(r.runtime, ready(clock));
  assert.equal((await http.get("/health/tasks/daily")).body.stale, true, "/health/tasks: stale");
  await runJob(monitor, db.sql, new Date(now.getTime() + 60_000));
  assert.deepEqual(
    [...await db.sql`SELECT reason, closed_at FROM incidents WHERE reason = 'stale'`],
    [{ reason: "stale", closed_at: null }],
    "no false recovery: the stale incident stays open",
  );
});

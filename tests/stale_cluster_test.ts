import assert from "node:assert/strict";
import { healthMonitorJob } from "../domain/health_monitor.ts";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";
import { runJob } from "./fakes/community.ts";
import { ready, serveApp } from "./fakes/http.ts";
import { dbRuntime, job, untilRegistered } from "./fakes/runtime.ts";

const DAY = 86_400_000;
const T0 = new Date("2026-05-01T00:00:00Z");

Deno.test("a job that never succeeded is stale on every replica alike, counted from the cluster's first run, and still after a restart", async () => {
  await using db = await testDatabase();
  // The cluster has run since T0 (another job's run); the daily job never succeeded anywhere.
  await db.sql`
    INSERT INTO job_runs (id, job, scheduled_for, trigger, node, outcome, started_at, finished_at)
    VALUES (gen_random_uuid(), 'other', ${T0}, 'cron', 'a', 'succeeded', ${T0}, ${T0})`;
  const spec = job({ name: "daily", schedule: "0 3 * * *", run: () => Promise.resolve() });
  const now = new Date(T0.getTime() + 3 * DAY);

  /** `/health/tasks/daily` and `/health` of a replica whose process started at `startedAt`. */
  const view = async (node: string, startedAt: Date) => {
    const clock = fakeClock(startedAt);
    await using r = dbRuntime(db.url, [spec], { node, clock, catchUp: false });
    r.runtime.start();
    await clock.advanceTo(now);
    await using http = serveApp(r.runtime, ready(clock));
    const task = (await http.get("/health/tasks/daily")).body;
    const health = (await http.get("/health")).body;
    return { stale: task.stale, staleJobs: health.jobs.stale, status: health.status };
  };
  const a = await view("a", T0); // up since the cluster's first run
  const b = await view("b", new Date(now.getTime() - 60_000)); // started a minute ago
  const restarted = await view("a", new Date(now.getTime() - 1_000)); // A, just restarted
  assert.deepEqual(
    { a: a.stale, b: b.stale, restarted: restarted.stale },
    { a: true, b: true, restarted: true },
    "stale is the cluster's: no success within a day and 5 min of the cluster's first run",
  );
  assert.deepEqual([a.staleJobs, b.staleJobs], [["daily"], ["daily"]], "/health says it on both");
  assert.deepEqual([a.status, b.status], ["degraded", "degraded"]);
});

Deno.test("a job new to an old cluster is not stale until its window has passed since a replica first ran it, on every replica and for health-monitor", async () => {
  await using db = await testDatabase();
  await db.sql`
    INSERT INTO job_runs (id, job, scheduled_for, trigger, node, outcome, started_at, finished_at)
    VALUES (gen_random_uuid(), 'other', ${T0}, 'cron', 'a', 'succeeded', ${T0}, ${T0})`;
  const spec = job({ name: "daily", schedule: "0 3 * * *", run: () => Promise.resolve() });
  const deployed = new Date(T0.getTime() + 3 * DAY + 3_600_000); // 04:00, after today's slot
  const monitor = healthMonitorJob({ watched: [spec], pauseAlertAfterMs: DAY });
  const stale = async (node: string, startedAt: Date, at: Date) => {
    const clock = fakeClock(startedAt);
    await using r = dbRuntime(db.url, [spec], { node, clock, catchUp: false });
    r.runtime.start();
    await untilRegistered(db.sql, "daily");
    await clock.advanceTo(at);
    await using http = serveApp(r.runtime, ready(clock));
    return (await http.get("/health/tasks/daily")).body.stale;
  };
  const evening = new Date(deployed.getTime() + 16 * 3_600_000);
  assert.equal(await stale("a", deployed, evening), false, "a day has not passed since");
  assert.equal(await stale("b", evening, evening), false, "nor on a replica started later");
  await runJob(monitor, db.sql, evening);
  assert.deepEqual([...await db.sql`SELECT reason FROM incidents`], [], "no false alarm");

  const late = new Date(deployed.getTime() + 2 * DAY); // and no success meanwhile
  assert.equal(await stale("b", late, late), true, "past its window: stale");
  await runJob(monitor, db.sql, late);
  assert.deepEqual([...await db.sql`SELECT job, reason FROM incidents`], [
    { job: "daily", reason: "stale" },
  ]);
});

import assert from "node:assert/strict";
import type postgres from "postgres";
import { defineJob, standaloneContext } from "../actors/job.ts";
import { loadSetup } from "../catalog.ts";
import { HEALTH_MONITOR, healthMonitorJob } from "../domain/health_monitor.ts";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";

const T = new Date("2026-06-01T10:00:00Z");
const min = (m: number) => new Date(T.getTime() + m * 60_000);
const ADMIN = -500;

/** A job on `schedule` with a 1 min timeout. */
const watchedJob = (name: string, schedule: string) =>
  defineJob({ name, description: "x", schedule, timeout: "1m", run: () => Promise.resolve({}) });
/** Its window is 30 + 1 + 5 = 36 min. */
const halfHourly = watchedJob("half-hourly", "*/30 * * * *");
const hourly = watchedJob("hourly", "0 * * * *");

async function ran(sql: postgres.Sql, job: string, at: Date, outcome = "succeeded") {
  await sql`
    INSERT INTO job_runs (id, job, scheduled_for, trigger, node, outcome, started_at, finished_at)
    VALUES (gen_random_uuid(), ${job}, ${at}, 'manual', 'n', ${outcome}, ${at}, ${at})`;
}

function monitorAt(sql: postgres.Sql, at: Date) {
  const job = healthMonitorJob({
    watched: [halfHourly, hourly],
    pauseAlertAfterMs: 24 * 3_600_000,
    adminChatId: ADMIN,
  });
  return job.run(standaloneContext({ db: sql, clock: fakeClock(at), scheduledFor: at }));
}

async function incidents(sql: postgres.Sql) {
  return (await sql<{ job: string; reason: string; open: boolean }[]>`
    SELECT job, reason, closed_at IS NULL AS open FROM incidents ORDER BY id`)
    .map((i) => `${i.job} ${i.reason}${i.open ? "" : " (closed)"}`);
}

async function alerts(sql: postgres.Sql) {
  return (await sql<
    { text: string }[]
  >`SELECT text FROM outbox WHERE chat_id = ${ADMIN} ORDER BY id`)
    .map((r) => r.text);
}

Deno.test("stale at the window's edge: one alert, none on a rerun or from a second replica, one recovery", async () => {
  await using db = await testDatabase();
  await ran(db.sql, "half-hourly", T);
  await ran(db.sql, "hourly", T);
  await monitorAt(db.sql, min(36)); // exactly the window: not stale yet
  assert.deepEqual(await incidents(db.sql), []);

  // Two replicas' monitors on the same slot, and the slot run again.
  await Promise.all([monitorAt(db.sql, min(37)), monitorAt(db.sql, min(37))]);
  await monitorAt(db.sql, min(37));
  assert.deepEqual(await incidents(db.sql), ["half-hourly stale"]);
  const [{ id }] = await db.sql`SELECT id FROM incidents`;
  assert.deepEqual(await alerts(db.sql), [
    `🚨 Warden: job half-hourly is stale: no success within 36 min (the last one 37 min ago); incident ${id}.`,
  ]);

  await ran(db.sql, "half-hourly", min(40));
  await monitorAt(db.sql, min(45));
  await monitorAt(db.sql, min(45));
  assert.deepEqual(await incidents(db.sql), ["half-hourly stale (closed)"]);
  const sent = await alerts(db.sql);
  assert.equal(sent.length, 2);
  assert.match(
    sent[1],
    /^✅ Warden: job half-hourly is no longer stale; incident \d+ is closed \(open for 8 min\)\.$/,
  );
});

Deno.test("failing N times in a row, paused past PAUSE_ALERT_AFTER, and never started at all each open an incident", async () => {
  await using db = await testDatabase();
  await ran(db.sql, "hourly", T);
  for (const m of [1, 2]) await ran(db.sql, "hourly", min(m), "failed");
  await ran(db.sql, "half-hourly", min(3));
  await db.sql`INSERT INTO job_state (job, paused, updated_at) VALUES ('half-hourly', true, ${
    min(4)
  })`;
  await monitorAt(db.sql, min(5));
  assert.deepEqual(await incidents(db.sql), [], "2 failures of 3, paused 1 min: fine");

  await ran(db.sql, "hourly", min(6), "failed");
  await monitorAt(db.sql, min(4 + 24 * 60 + 1));
  assert.deepEqual((await incidents(db.sql)).sort(), [
    "half-hourly paused",
    "hourly failing",
    "hourly stale",
  ]);
  assert.ok(
    (await alerts(db.sql)).some((t) => /job hourly is failing: 3 failures in a row/.test(t)),
  );

  // A job no replica ever ran goes stale once the cluster has been up past its window.
  await using fresh = await testDatabase();
  await ran(fresh.sql, "hourly", T);
  await monitorAt(fresh.sql, min(36));
  await monitorAt(fresh.sql, min(37));
  assert.deepEqual(await incidents(fresh.sql), ["half-hourly stale"]);
});

Deno.test("the catalog has the monitor; PAUSE_ALERT_AFTER is read and checked", () => {
  const { specs } = loadSetup({ JOB_LEVEL_UPS_SCHEDULE: "*/10 * * * *", PAUSE_ALERT_AFTER: "2h" });
  assert.ok(specs.some((s) => s.name === HEALTH_MONITOR));
  assert.throws(() => loadSetup({ PAUSE_ALERT_AFTER: "soon" }), /PAUSE_ALERT_AFTER="soon"/);
  assert.throws(() => loadSetup({ PAUSE_ALERT_AFTER: "30s" }), /PAUSE_ALERT_AFTER/);
});

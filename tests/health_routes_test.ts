import assert from "node:assert/strict";
import {
  backoffDelay,
  decideRestart,
  defaultRestartPolicy,
  giveUpReachable,
} from "../actors/policy.ts";
import { createReadiness } from "../routes/readiness.ts";
import { serveApp } from "./fakes/http.ts";
import { job, nextEvent, testRuntime } from "./fakes/runtime.ts";

Deno.test("backoff delays follow min(max, min·2^n)·(1 + jitter·random)", () => {
  const b = defaultRestartPolicy.backoff;
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(b, n, 0)), [
    1_000,
    2_000,
    4_000,
    8_000,
    16_000,
    32_000,
    60_000,
    60_000,
  ]);
  assert.equal(backoffDelay(b, 0, 1), 1_200, "jitter adds at most 20 %");
  assert.equal(backoffDelay(b, 6, 0.5), 66_000);
});

Deno.test("restart decisions are a pure function of the failure history", async (t) => {
  const policy = {
    ...defaultRestartPolicy,
    backoff: { ...defaultRestartPolicy.backoff, jitter: 0 },
  };
  const decide = (
    failures: number[],
    now: number,
    restart: "permanent" | "transient" | "temporary" = "permanent",
  ) => decideRestart({ restart, exit: "failure", failures, now, policy, random: 0 });
  await t.step("the n-th failure within the period waits 2^(n-1) s", () => {
    assert.deepEqual(decide([0], 0), { action: "restart", delayMs: 1_000, attempt: 1 });
    assert.deepEqual(decide([0, 1, 2], 2), { action: "restart", delayMs: 4_000, attempt: 3 });
  });
  await t.step("failures older than the period are forgotten", () => {
    assert.deepEqual(decide([0, 1, 2, 3, 700_000], 700_000), {
      action: "restart",
      delayMs: 1_000,
      attempt: 1,
    });
  });
  await t.step("more than 5 failures within 10 min: give up", () => {
    const d = decide([0, 1, 2, 3, 4, 5], 5);
    assert.equal(d.action, "give-up");
    assert.match(
      d.action === "give-up" ? d.reason : "",
      /6 failures within 600000 ms exceed the restart intensity of 5/,
    );
  });
  await t.step("a crash loop under the default policy, at its slowest backoff, is given up", () => {
    // Each restart fails at once (plus a second of work); the jitter is at its largest.
    const failures: number[] = [];
    let now = 0;
    let restarts = 0;
    for (;;) {
      failures.push(now);
      const d = decideRestart({
        restart: "transient",
        exit: "failure",
        failures,
        now,
        policy: defaultRestartPolicy,
        random: 1,
      });
      if (d.action === "give-up") break;
      assert.equal(d.action, "restart");
      if (d.action === "restart") now += d.delayMs + 1_000;
      restarts++;
      assert.ok(restarts < 50, "never gave up");
    }
    assert.equal(restarts, 5);
    assert.ok(giveUpReachable(defaultRestartPolicy));
    // The old default (30 s period) never gave up: its 6th failure came 37 s after the first.
    assert.equal(giveUpReachable({ ...defaultRestartPolicy, periodMs: 30_000 }), false);
  });
  await t.step("restart types", () => {
    assert.deepEqual(decide([0], 0, "temporary"), { action: "leave" });
    const normal = (restart: "permanent" | "transient") =>
      decideRestart({ restart, exit: "normal", failures: [], now: 0, policy, random: 0 }).action;
    assert.equal(normal("transient"), "leave");
    assert.equal(normal("permanent"), "restart");
  });
});

Deno.test("past the restart intensity an actor is failed; the others run, liveness stays 200, health is degraded", async () => {
  let healthyRuns = 0;
  const alerts: string[] = [];
  const { runtime, clock, logs } = testRuntime([
    job({
      name: "doomed",
      maxConsecutiveFailures: 1,
      run: () => Promise.reject(new Error("always")),
    }),
    job({ name: "fine", run: () => Promise.resolve({ processed: ++healthyRuns }) }),
  ], {
    restartPolicy: {
      backoff: { minMs: 100, maxMs: 1_000, jitter: 0 },
      intensity: 2,
      periodMs: 60_000,
    },
    alerts: {
      raise: (a) => Promise.resolve(void alerts.push(a.child)),
      recovered: () => Promise.resolve(),
    },
    heartbeatMs: 5_000,
  });
  const readiness = createReadiness({ ping: () => Promise.resolve(), clock });
  readiness.markMigrated();
  readiness.markStarted();
  await using http = serveApp(runtime, readiness);
  runtime.start();

  const delays: number[] = [];
  for (let i = 0; i < 2; i++) {
    const restarting = nextEvent(runtime.events, "restarting");
    await runtime.run("doomed");
    delays.push((await restarting).delayMs);
    await clock.advance(delays[i]);
  }
  assert.deepEqual(delays, [100, 200], "backoff doubles");
  const gaveUp = nextEvent(runtime.events, "gave-up");
  await runtime.run("doomed");
  assert.match(
    (await gaveUp).error,
    /3 failures within 60000 ms exceed the restart intensity of 2/,
  );
  assert.deepEqual(alerts, ["doomed"]);

  const doomed = await http.get("/health/tasks/doomed");
  assert.equal(doomed.status, 200);
  assert.equal(doomed.body.status, "failed");
  assert.equal(doomed.body.restarts, 2);
  assert.equal(doomed.body.nextRunAt, null);

  assert.equal((await runtime.run("fine"))?.outcome, "succeeded", "the other actor keeps running");
  await clock.advance(30_000);
  assert.equal((await http.get("/health/liveness")).status, 200);
  const health = await http.get("/health");
  assert.equal(health.status, 200);
  assert.equal(health.body.status, "degraded");
  assert.deepEqual(health.body.jobs.failed, ["doomed"]);
  assert.equal((await http.get("/health/tasks/fine")).body.status, "idle");
  assert.ok(logs.some((l) => l.includes('"giving up on child"')));
  await runtime.shutdown(1_000);
});

Deno.test("/health/tasks lists every job; an unknown name is a 404 that names the known ones", async () => {
  const { runtime, clock } = testRuntime([
    job({ name: "level-ups", schedule: "0 */6 * * *", run: () => Promise.resolve() }),
    job({
      name: "daily-report",
      schedule: "0 8 * * *",
      timezone: "Europe/Madrid",
      run: () => Promise.resolve(),
    }),
  ]);
  const readiness = createReadiness({ ping: () => Promise.resolve(), clock });
  await using http = serveApp(runtime, readiness);
  runtime.start();
  const list = await http.get("/health/tasks");
  assert.deepEqual(list.body.tasks.map((t: { name: string }) => t.name), [
    "level-ups",
    "daily-report",
  ]);
  const report = list.body.tasks[1];
  assert.equal(report.nextRunAt, "2026-05-01T06:00:00.000Z", "08:00 in Madrid is 06:00 UTC in May");
  assert.equal(report.timezone, "Europe/Madrid");
  for (
    const key of [
      "name",
      "description",
      "schedule",
      "timezone",
      "status",
      "paused",
      "nextRunAt",
      "lastRun",
      "lastSuccessAt",
      "consecutiveFailures",
      "restarts",
      "mailboxDepth",
      "stale",
    ]
  ) assert.ok(key in report, `${key} missing`);
  const missing = await http.get("/health/tasks/lvl-ups");
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error, 'unknown job "lvl-ups": known jobs are level-ups, daily-report');
  assert.equal((await http.get("/nope")).status, 404);
  await runtime.shutdown(1_000);
});

Deno.test("readiness is 503 with reasons until started and migrated, and while the database is away", async () => {
  const { runtime, clock } = testRuntime([]);
  let dbUp = true;
  const readiness = createReadiness({
    ping: () => (dbUp ? Promise.resolve() : Promise.reject(new Error("connection refused"))),
    clock,
    cacheMs: 1_000,
  });
  await using http = serveApp(runtime, readiness);
  runtime.start();
  const before = await http.get("/health/readiness");
  assert.equal(before.status, 503);
  assert.deepEqual(before.body.reasons, ["not started", "migrations not applied"]);
  readiness.markMigrated();
  readiness.markStarted();
  assert.equal((await http.get("/health/readiness")).status, 200);
  dbUp = false;
  assert.equal((await http.get("/health/readiness")).status, 200, "cached for a second");
  await clock.advance(1_000);
  const down = await http.get("/health/readiness");
  assert.equal(down.status, 503);
  assert.deepEqual(down.body.reasons, ["database unreachable: Error: connection refused"]);
  assert.equal(
    (await http.get("/health/liveness")).status,
    200,
    "liveness never checks the database",
  );
  assert.equal((await http.get("/health")).body.status, "unhealthy");
  dbUp = true;
  await clock.advance(1_000);
  assert.equal((await http.get("/health/readiness")).status, 200);
  readiness.markShuttingDown();
  assert.deepEqual((await http.get("/health/readiness")).body.reasons, ["shutting down"]);
  await runtime.shutdown(1_000);
});

import assert from "node:assert/strict";
import { createLogger } from "../actors/log.ts";
import { defaultRestartPolicy } from "../actors/policy.ts";
import { createBot } from "../bot/bot.ts";
import { incidentAlerts } from "../domain/incidents.ts";
import { pgRunStore } from "../db/run_store.ts";
import { connectClient } from "../db/connect.ts";
import { testDatabase } from "./db.ts";
import type { Update } from "./fakes/bot_api.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { fakeClock } from "./fakes/clock.ts";
import { ready, serveApp } from "./fakes/http.ts";
import { dbRuntime, gate, job, nextEvent, tickAndSettle } from "./fakes/runtime.ts";
import { groupMessage } from "./fakes/updates.ts";

const at = (h: number, m = 0) => new Date(Date.UTC(2026, 4, 1, h, m));
const ADMIN = { id: 1, name: "Ana", username: "ana" };

/** What `/jobs` answers on a bot wired to `runtime`, through the Bot API double. */
async function jobsCommand(sql: Parameters<typeof createBot>[0]["sql"], runtime: unknown) {
  await using api = botApiDouble({ limits: false });
  const bot = createBot({
    token: "123456:TEST",
    apiRoot: api.apiRoot,
    sql,
    log: createLogger({ level: "silent" }),
    xp: { perMessage: 1, perLink: 3, perThanks: 5, maxPerMinute: 10 },
    adminUserIds: [ADMIN.id],
    runtime: () => runtime as never,
  });
  await bot.init();
  const update = groupMessage({
    chat: -1001,
    from: ADMIN,
    text: "/jobs",
    messageId: 1,
    date: new Date(),
    title: "Ops",
  });
  await bot.handleUpdate(update as unknown as Update);
  return api.sent.at(-1)!.text;
}

Deno.test("a run on replica A: replica B's /health/tasks, /metrics and /jobs show the same lastRun and lastSuccessAt, and so does B after a restart", async () => {
  await using db = await testDatabase();
  const spec = job({
    name: "shared",
    schedule: "0 * * * *",
    run: () => Promise.resolve({ processed: 1 }),
  });
  const clockB = fakeClock(new Date());
  await using a = dbRuntime(db.url, [spec], { node: "a" });
  a.runtime.start();
  const ran = await tickAndSettle(a.runtime, "shared", at(1));
  assert.equal(ran.type, "run-finished");
  const run = ran.type === "run-finished" ? ran.run : undefined;
  const lastSuccessAt = run!.finishedAt!.toISOString();

  const asB = async (node: string) => {
    await using b = dbRuntime(db.url, [spec], { node, clock: clockB });
    b.runtime.start();
    await using http = serveApp(b.runtime, ready(clockB));
    const task = (await http.get("/health/tasks/shared")).body;
    const metrics = await (await fetch(`${http.base}/metrics`)).text();
    const jobs = await jobsCommand(b.sql, b.runtime);
    return { task, metrics, jobs };
  };
  const b = await asB("b");
  assert.equal(b.task.lastRun.runId, run!.id);
  assert.equal(b.task.lastRun.node, "a", "the run was A's");
  assert.equal(b.task.node, "b", "the per-node fields are B's own");
  assert.equal(b.task.lastSuccessAt, lastSuccessAt);
  assert.equal(b.task.stale, false);
  assert.match(
    b.metrics,
    new RegExp(
      `warden_last_success_timestamp_seconds\\{job="shared"\\} ${Date.parse(lastSuccessAt) / 1000}`,
    ),
  );
  // the bot says how long ago, in words (the cluster's lastRun: B never ran it)
  assert.match(b.jobs, /shared: idle, last succeeded (just now|\d+ min ago)$/);

  const restarted = await asB("b");
  assert.deepEqual(restarted.task.lastRun, b.task.lastRun, "a restart keeps the picture");
  assert.equal(restarted.task.lastSuccessAt, lastSuccessAt);

  // Staleness is the cluster's: two hours with no success anywhere, for an hourly job.
  await clockB.advance(2 * 3_600_000);
  const later = await asB("b");
  assert.equal(later.task.stale, true);
});

Deno.test("a pause sent while a 30-minute run goes on answers at once; a pause written by the CLI reaches a running replica", async () => {
  await using db = await testDatabase();
  const g = gate();
  const spec = job({ name: "long", timeout: "45m", run: g.run });
  await using a = dbRuntime(db.url, [spec], { node: "a", controlPollMs: 1_500 });
  a.runtime.start();
  const ctx = await (a.runtime.tick("long", at(1)), g.entered());
  using _open = { [Symbol.dispose]: () => g.release() }; // whatever happens, the run may end
  await using http = serveApp(a.runtime, ready(a.clock), { adminToken: "t0ken" });
  const auth = { method: "POST", headers: { authorization: "Bearer t0ken" } };
  // The run goes on (the gate is closed); the pause must not wait for it.
  const paused = await http.get("/health/tasks/long/pause", auth);
  assert.equal(paused.status, 200);
  assert.equal(ctx.signal.aborted, false, "the run goes on");
  assert.equal((await http.get("/health/tasks/long")).body.paused, true);
  const stopped = await http.get("/health/tasks/stop", auth);
  assert.deepEqual(stopped.body, { paused: ["long"] });
  const started = await http.get("/health/tasks/start", auth);
  assert.deepEqual(started.body, { resumed: ["long"] });

  // The CLI writes the pause from another connection; the replica hears it (NOTIFY on a
  // server, its periodic re-read on the embedded database) without any tick.
  const cli = connectClient(db.url, { embedded: db.kind === "embedded", max: 1 });
  try {
    await pgRunStore(cli).setPaused("long", true);
  } finally {
    await cli.end({ timeout: 5 });
  }
  if (db.kind === "embedded") await a.clock.advance(1_500);
  for (let i = 0; i < 200 && !a.runtime.actor("long").health().paused; i++) {
    await new Promise((r) => setTimeout(r, 10)); // the notification's round trip
  }
  assert.equal(a.runtime.actor("long").health().paused, true);
});

Deno.test("a crash loop under the default policy ends failed, /health degraded with 200, one alert per incident and one recovery message", async () => {
  await using db = await testDatabase();
  const ADMIN_CHAT = -100999;
  let broken = true;
  const spec = job({
    name: "doomed",
    maxConsecutiveFailures: 1,
    run: () => (broken ? Promise.reject(new Error("always")) : Promise.resolve({ processed: 1 })),
  });
  const alerts = incidentAlerts(db.sql, { adminChatId: ADMIN_CHAT });
  const replica = (node: string) =>
    dbRuntime(db.url, [spec], {
      node,
      restartPolicy: defaultRestartPolicy,
      random: () => 1,
      alerts,
    });
  await using a = replica("a");
  await using b = replica("b");
  a.runtime.start();
  b.runtime.start();
  await using http = serveApp(a.runtime, ready(a.clock));

  // Each replica crash-loops on its own; both give up on the same incident.
  for (const r of [a, b]) {
    const gaveUp = nextEvent(r.runtime.events, "gave-up");
    for (let i = 0; i < 6; i++) {
      const restarting = i < 5 ? nextEvent(r.runtime.events, "restarting") : undefined;
      await r.runtime.run("doomed");
      if (restarting) await r.clock.advance((await restarting).delayMs);
    }
    assert.match((await gaveUp).error, /6 failures within 600000 ms/);
  }
  const task = await http.get("/health/tasks/doomed");
  assert.equal(task.body.status, "failed");
  const health = await http.get("/health");
  assert.equal(health.status, 200);
  assert.equal(health.body.status, "degraded");
  assert.deepEqual(health.body.jobs.failed, ["doomed"]);
  const metrics = await (await fetch(`${http.base}/metrics`)).text();
  assert.match(metrics, /warden_actor_up\{job="doomed"\} 0/);
  // The alert is written beside the give-up, a few round trips on: poll (bounded) for it.
  for (let i = 0; i < 200; i++) {
    const [n] = await db.sql`SELECT count(*)::int AS n FROM incidents`;
    if (n.n === 1) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const opened = await db.sql`
    SELECT chat_id, text FROM outbox WHERE dedupe_key LIKE 'incident:%:opened'`;
  assert.equal(opened.length, 1, "one alert for the incident, whichever replicas gave up");
  assert.equal(opened[0].chat_id, ADMIN_CHAT);
  assert.match(opened[0].text, /doomed was given up/);

  // Fixed: a third replica runs it; the incident closes with one recovery message.
  broken = false;
  await using c = replica("c");
  c.runtime.start();
  assert.equal((await c.runtime.run("doomed"))?.outcome, "succeeded");
  await c.runtime.run("doomed");
  for (let i = 0; i < 100; i++) {
    const [n] = await db.sql`SELECT count(*)::int AS n FROM incidents WHERE closed_at IS NOT NULL`;
    if (n.n === 1) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const closed = await db.sql`SELECT text FROM outbox WHERE dedupe_key LIKE 'incident:%:closed'`;
  assert.equal(closed.length, 1);
  assert.match(closed[0].text, /doomed succeeded again/);
});

Deno.test("an abandoned scheduled slot runs again once, on whichever replica claims the retry (Postgres slot index)", async () => {
  await using db = await testDatabase();
  const g = gate();
  let runs = 0;
  const spec = job({
    name: "owed",
    run: (ctx) => (ctx.trigger === "retry" ? Promise.resolve({ processed: ++runs }) : g.run(ctx)),
  });
  await using a = dbRuntime(db.url, [spec], { node: "a" });
  await using b = dbRuntime(db.url, [spec], { node: "b" });
  a.runtime.start();
  b.runtime.start();
  const ctx = await (a.runtime.tick("owed", at(3)), g.entered());
  using _open = { [Symbol.dispose]: () => g.release() }; // the dead run's body, let go at the end
  // A stops renewing (it died); B's rescuer abandons the run.
  await db
    .sql`UPDATE job_runs SET lease_expires_at = now() - interval '1 second' WHERE id = ${ctx.runId}`;
  assert.deepEqual((await b.store.rescue()).map((r) => r.id), [ctx.runId]);
  const finished: string[] = [];
  for (const r of [a, b]) {
    r.runtime.events.on((e) => {
      if (e.type === "run-finished" && e.run.trigger === "retry") finished.push(e.run.outcome);
    });
  }
  await Promise.all([a.runtime.syncControl(), b.runtime.syncControl()]);
  for (let i = 0; i < 300 && finished.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 10)); // the retry's round trips
  }
  await Promise.all([a.runtime.syncControl(), b.runtime.syncControl()]); // nothing more to retry
  assert.deepEqual(finished, ["succeeded"], "one replica ran the retry, once");
  const rows = await db.sql<{ trigger: string; outcome: string; retry_of: string | null }[]>`
    SELECT trigger, outcome, retry_of FROM job_runs WHERE job = 'owed' ORDER BY started_at`;
  assert.deepEqual(rows.map((r) => [r.trigger, r.outcome, r.retry_of]), [
    ["cron", "abandoned", null],
    ["retry", "succeeded", ctx.runId],
  ]);
  assert.equal(runs, 1, "run again exactly once");
});

Deno.test("a run that failed while the database was away keeps its own error, not 'abandoned'", async () => {
  await using db = await testDatabase();
  const store = pgRunStore(db.sql);
  const id = crypto.randomUUID();
  await store.claim({
    id,
    job: "out",
    scheduledFor: at(1),
    trigger: "cron",
    node: "n",
    attempt: 1,
    leaseMs: 1,
  });
  await db.sql`UPDATE job_runs SET lease_expires_at = now() - interval '1 second' WHERE id = ${id}`;
  assert.equal((await store.rescue()).length, 1);
  const late = await store.finish(id, "n", { outcome: "failed", error: "connection refused" });
  assert.equal(late?.outcome, "failed");
  assert.equal(late?.error, "connection refused");
  assert.equal(await store.finish(id, "other", { outcome: "failed", error: "x" }), null);
});

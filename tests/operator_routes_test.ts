import assert from "node:assert/strict";
import { createReadiness } from "../routes/readiness.ts";
import { Hono } from "hono";
import { createLogger } from "../actors/log.ts";
import { controlRoutes } from "../routes/control.ts";
import { errorHandler } from "../routes/errors.ts";
import { healthRoutes } from "../routes/health.ts";
import { testDatabase } from "./db.ts";
import { denoChild } from "./fakes/deno_child.ts";
import { serve } from "./fakes/http.ts";
import { promtoolRemarks } from "./fakes/promtool.ts";
import { nearMisses } from "./fakes/tokens.ts";
import { serveApp } from "./fakes/http.ts";
import { dbRuntime, job, testRuntime, tickAndSettle } from "./fakes/runtime.ts";

const TOKEN = "s3cret-admin-token-0123";
const bearer = (t: string) => ({ method: "POST", headers: { authorization: `Bearer ${t}` } });

function setup(adminToken?: string) {
  let n = 0;
  const t = testRuntime([
    job({ name: "level-ups", run: () => Promise.resolve({ processed: ++n }) }),
    job({ name: "badge-check", run: () => Promise.reject(new Error("no badges table")) }),
  ]);
  const readiness = createReadiness({ ping: () => Promise.resolve(), clock: t.clock });
  readiness.markMigrated();
  readiness.markStarted();
  t.runtime.start();
  return { ...t, http: serveApp(t.runtime, readiness, { adminToken }) };
}

Deno.test("mutating routes: no token 401, wrong token 401, no ADMIN_TOKEN 403, right token 2xx", async (t) => {
  const s = setup(TOKEN);
  await using http = s.http;
  const paths = [
    "/health/tasks/level-ups/run",
    "/health/tasks/level-ups/pause",
    "/health/tasks/level-ups/resume",
    "/health/tasks/stop",
    "/health/tasks/start",
  ];
  for (const path of paths) {
    await t.step(path, async () => {
      const none = await http.get(path, { method: "POST" });
      assert.equal(none.status, 401);
      assert.match(none.body.error, /missing Authorization header/);
      const wrong = await http.get(path, bearer("not-the-token-at-all"));
      assert.equal(wrong.status, 401);
      assert.match(wrong.body.error, /does not match ADMIN_TOKEN/);
      assert.equal(wrong.body.error, wrong.body.error.trim());
      for (const near of nearMisses(TOKEN)) {
        const r = await http.get(path, bearer(near));
        assert.equal(r.status, 401, `${JSON.stringify(near)} must not pass`);
      }
      const spaced = await http.get(path, bearer(`${TOKEN} ${TOKEN}`));
      assert.equal(spaced.status, 400, "two tokens: a malformed header");
      assert.match(spaced.body.error, /malformed Authorization header/);
      const lower = await http.get(path, {
        method: "POST",
        headers: { authorization: `bearer ${TOKEN}` },
      });
      assert.ok(lower.status === 200 || lower.status === 202, "the scheme is case-insensitive");
      const right = await http.get(path, bearer(TOKEN));
      assert.ok(
        right.status === 200 || right.status === 202,
        `${right.status} ${JSON.stringify(right.body)}`,
      );
    });
  }
  await s.runtime.shutdown(1_000);
  const closed = setup(undefined);
  await using http2 = closed.http;
  const forbidden = await http2.get("/health/tasks/level-ups/run", bearer(TOKEN));
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.body.error, "admin routes are disabled: set ADMIN_TOKEN to use them");
  assert.equal((await http2.get("/health/tasks")).status, 200, "reads stay open");
  await closed.runtime.shutdown(1_000);
});

Deno.test("a malformed Authorization header is 400 saying what is wrong with it, never echoing a token", async () => {
  const s = setup(TOKEN);
  await using http = s.http;
  const M = "malformed Authorization header: ";
  const cases: Array<[string, string]> = [
    [`Basic ${btoa(`admin:${TOKEN}`)}`, 'scheme "Basic": expected Bearer <ADMIN_TOKEN>'],
    [TOKEN, "no scheme: expected Bearer <ADMIN_TOKEN>"],
    [`${TOKEN} extra`, "scheme other than Bearer: expected Bearer <ADMIN_TOKEN>"],
    [`Bearer\t${TOKEN}`, "expected spaces between Bearer and the token"],
    ["Bearer", "Bearer and no token: expected Bearer <ADMIN_TOKEN>"],
    ["Bearer    ", "Bearer and no token: expected Bearer <ADMIN_TOKEN>"],
    [`Bearer ${TOKEN} ${TOKEN}`, "2 tokens after Bearer: expected one, <ADMIN_TOKEN>"],
    [
      `Bearer ${TOKEN}\u00e9`,
      "the token holds a character other than letters, digits and . _ ~ + / - (and = at its end)",
    ],
    [
      `Bearer ${TOKEN}=x`,
      "the token holds a character other than letters, digits and . _ ~ + / - (and = at its end)",
    ],
  ];
  for (const [header, problem] of cases) {
    const r = await http.get("/health/tasks/stop", {
      method: "POST",
      headers: { authorization: header },
    });
    assert.equal(r.status, 400, header);
    assert.equal(r.body.error, M + problem, header);
    assert.ok(!r.body.error.includes(TOKEN.slice(0, 8)), "no token, whole or in part, comes back");
  }
  await s.runtime.shutdown(1_000);
});

Deno.test("control routes: unknown job 404, bad query 400, run with and without wait, pause and resume all", async () => {
  const s = setup(TOKEN);
  await using http = s.http;
  const unknown = await http.get("/health/tasks/lvl-ups/run", bearer(TOKEN));
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error, 'unknown job "lvl-ups": known jobs are level-ups, badge-check');
  assert.equal((await http.get("/health/tasks/lvl-ups/pause", bearer(TOKEN))).status, 404);
  const bad = await http.get("/health/tasks/level-ups/run?wait=maybe", bearer(TOKEN));
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error, 'query wait="maybe": expected true or false');

  const waited = await http.get("/health/tasks/level-ups/run?wait=true", bearer(TOKEN));
  assert.equal(waited.status, 200);
  assert.equal(waited.body.outcome, "succeeded");
  assert.equal(waited.body.trigger, "manual");
  assert.deepEqual(waited.body.result, { processed: 1 });
  const failed = await http.get("/health/tasks/badge-check/run?wait=true", bearer(TOKEN));
  assert.equal(failed.body.outcome, "failed");
  assert.equal(failed.body.error, "Error: no badges table");

  const queued = await http.get("/health/tasks/level-ups/run", bearer(TOKEN));
  assert.equal(queued.status, 202);
  assert.equal(queued.body.status, "queued");
  assert.match(queued.body.runId, /^[0-9a-f-]{36}$/);

  const stop = await http.get("/health/tasks/stop", bearer(TOKEN));
  assert.deepEqual(stop.body, { paused: ["level-ups", "badge-check"] });
  const tasks = (await http.get("/health/tasks")).body.tasks;
  assert.ok(tasks.every((t: { paused: boolean }) => t.paused));
  assert.ok(await s.store.isPaused("badge-check"), "persisted");
  await http.get("/health/tasks/start", bearer(TOKEN));
  assert.equal(await s.store.isPaused("badge-check"), false);
  const paused = await http.get("/health/tasks/level-ups/pause", bearer(TOKEN));
  assert.deepEqual(paused.body, { job: "level-ups", paused: true });
  assert.equal((await http.get("/health/tasks/level-ups")).body.status, "paused");
  await s.runtime.shutdown(1_000);
});

Deno.test("/metrics speaks the Prometheus text format (promtool agrees when it is installed)", async () => {
  const s = setup(TOKEN);
  await using http = s.http;
  await s.runtime.run("level-ups");
  await s.runtime.run("badge-check");
  const slot = new Date("2026-05-01T00:01:00Z");
  await tickAndSettle(s.runtime, "level-ups", slot);
  await tickAndSettle(s.runtime, "level-ups", slot); // the same slot again: a lost claim
  await s.runtime.run("level-ups");
  const res = await fetch(`${http.base}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  for (
    const line of [
      'warden_runs_total{job="level-ups",outcome="succeeded"} 3',
      'warden_runs_total{job="badge-check",outcome="failed"} 1',
      'warden_claims_total{job="level-ups",result="won"} 1',
      'warden_claims_total{job="level-ups",result="lost"} 1',
      'warden_actor_up{job="level-ups"} 1',
      'warden_mailbox_depth{job="level-ups"} 0',
      'warden_restarts_total{job="level-ups"} 0',
      "warden_database_up 1",
      'warden_run_duration_seconds_count{job="level-ups"} 3',
    ]
  ) assert.ok(text.includes(line), `${line} missing from:\n${text}`);
  assert.match(text, /# TYPE warden_run_duration_seconds histogram/);

  assert.equal(await promtoolRemarks(text), "", "promtool check metrics");
  await s.runtime.shutdown(1_000);
});

Deno.test("POST /health/tasks/<job>/run?wait=true returns the finished run, and jobs history shows it", async () => {
  await using db = await testDatabase({ share: true });
  await using r = dbRuntime(db.url, [
    job({ name: "lease-rescue", run: () => Promise.resolve({ processed: 7 }) }),
  ], {
    node: "api",
  });
  const readiness = createReadiness({ ping: () => r.sql`SELECT 1`, clock: r.clock });
  r.runtime.start();
  await using http = serveApp(r.runtime, readiness, { adminToken: TOKEN });
  const res = await http.get("/health/tasks/lease-rescue/run?wait=true", bearer(TOKEN));
  assert.equal(res.status, 200);
  assert.equal(res.body.outcome, "succeeded");
  assert.deepEqual(
    res.body.result,
    { processed: 7 },
    "the result is stored as JSON, not as a string",
  );
  const cli = await denoChild(["task", "-q", "jobs", "history", "lease-rescue", "--json"], {
    env: db.env,
  });
  assert.equal(cli.code, 0, cli.stderr);
  const history = JSON.parse(cli.stdout);
  assert.deepEqual(history[0], res.body, "the same run, in the same shape");
});

Deno.test("auth is on each control route, not on a mount point: mounted first, reads stay open", async () => {
  const t = testRuntime([job({ name: "level-ups", run: () => Promise.resolve({}) })]);
  const readiness = createReadiness({ ping: () => Promise.resolve(), clock: t.clock });
  readiness.markMigrated();
  readiness.markStarted();
  t.runtime.start();
  const app = new Hono(); // the control routes mounted before the health reads they share a path with
  app.route("/health/tasks", controlRoutes({ runtime: t.runtime, adminToken: TOKEN }));
  app.route("/health", healthRoutes({ runtime: t.runtime, readiness }));
  app.onError(errorHandler(createLogger({ level: "silent" })));
  await using http = serve(app);
  assert.equal((await http.get("/health/tasks")).status, 200);
  assert.equal((await http.get("/health/tasks/level-ups")).status, 200, "a read needs no token");
  assert.equal((await http.get("/health/tasks/level-ups/pause", { method: "POST" })).status, 401);
  assert.equal((await http.get("/health/tasks/level-ups/pause", bearer(TOKEN))).status, 200);
  await t.runtime.shutdown(1_000);
});

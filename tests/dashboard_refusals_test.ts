/**
 * The dashboard's "Run now" refused by the runtime (a full mailbox, a stopped actor) says so, as
 * the API does (429, 409), instead of a 500 "Something went wrong" with an error logged.
 */
import assert from "node:assert/strict";
import { createLogger } from "../actors/log.ts";
import { createRegistry } from "../actors/metrics.ts";
import { createApp } from "../routes/app.ts";
import { runtimeMetrics } from "../routes/metrics.ts";
import { createReadiness } from "../routes/readiness.ts";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";
import { csrfOf, FORM, signIn } from "./fakes/dashboard_session.ts";
import { serve } from "./fakes/http.ts";
import { dbRuntime, gate, job } from "./fakes/runtime.ts";

const TOKEN = "dashboard-token-0123456789";

Deno.test("Run now on a busy or stopped job is refused as such (429, 409), not a 500", async (t) => {
  await using db = await testDatabase();
  const g = gate();
  await using rt = dbRuntime(db.url, [
    job({ name: "slow", run: g.run }),
    job({ name: "other", run: () => Promise.resolve({}) }),
  ], { node: "a", commandLimit: 2 });
  rt.runtime.start();
  const readiness = createReadiness({ ping: () => db.sql`SELECT 1`, clock: fakeClock() });
  readiness.markMigrated();
  readiness.markStarted();
  const logged: string[] = [];
  await using http = serve(createApp({
    runtime: rt.runtime,
    readiness,
    log: createLogger({ level: "debug", write: (l) => logged.push(l) }),
    metrics: runtimeMetrics(createRegistry(), rt.runtime, readiness),
    adminToken: TOKEN,
    sql: db.sql,
    dashboard: { refreshMs: 0 },
  }));
  const { cookie } = await signIn(http.base, TOKEN);
  const csrf = await csrfOf(http.base, cookie);
  assert.ok(csrf, "signed in: the jobs page has forms");
  const runNow = async (name: string) => {
    const res = await fetch(`${http.base}/jobs/${name}/run`, {
      method: "POST",
      headers: { ...FORM, cookie },
      body: new URLSearchParams({ _csrf: csrf, back: "/" }),
      redirect: "manual",
    });
    return { status: res.status, text: await res.text() };
  };

  await t.step("a full mailbox (the operator pressed Run now a few times)", async () => {
    assert.equal((await runNow("slow")).status, 303);
    await g.entered(); // the first run holds the actor
    assert.equal((await runNow("slow")).status, 303);
    assert.equal((await runNow("slow")).status, 303); // commandLimit 2: both wait
    const full = await runNow("slow");
    assert.doesNotMatch(full.text, /Something went wrong/, "a full mailbox is not a server fault");
    assert.equal(full.status, 429);
  });

  await t.step("a stopped actor", async () => {
    await rt.runtime.stop("other");
    const stopped = await runNow("other");
    assert.doesNotMatch(stopped.text, /Something went wrong/, "a stopped actor is not a fault");
    assert.equal(stopped.status, 409);
  });
  g.release();
});

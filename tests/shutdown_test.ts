import assert from "node:assert/strict";
import { shutdownBudget } from "../actors/shutdown.ts";
import { ShuttingDownError } from "../actors/errors.ts";
import { childDatabase, spawnWarden } from "./fakes/process.ts";
import { gate, job, testRuntime } from "./fakes/runtime.ts";

const TOKEN = "t0ken-0123456789abcdef";

Deno.test("the shutdown budget is one computed value: drain, the hang grace and the bounded steps, inside the hard-exit guard", () => {
  const b = shutdownBudget({ timeoutMs: 25_000, hangGraceMs: 5_000 });
  assert.deepEqual(b, { drainMs: 25_000, stepsMs: 40_000, guardMs: 42_000 });
  assert.ok(b.guardMs > b.stepsMs);
});

Deno.test("asks waiting at shutdown are answered 'shutting down', and new ones are refused at once", async () => {
  const g = gate();
  const { runtime, clock } = testRuntime([job({ name: "busy", run: g.run })]);
  runtime.start();
  runtime.tick("busy", new Date("2026-05-01T00:01:00Z"));
  await g.entered();
  const queued = runtime.run("busy"); // waits behind the running tick
  const stopping = runtime.shutdown(1_000);
  await assert.rejects(
    queued,
    (e) => e instanceof ShuttingDownError && /shutting down/.test(e.message),
  );
  await assert.rejects(runtime.run("busy"), ShuttingDownError);
  assert.throws(() => runtime.trigger("busy"), ShuttingDownError);
  g.release();
  await clock.advance(1_000);
  await stopping;
});

Deno.test("SIGTERM with a job that ignores its signal and a run?wait=true queued behind it: 503 at once, exit 0, no hard exit", async () => {
  await using db = await childDatabase();
  await using warden = spawnWarden(["run", "-A", "tests/fixtures/stubborn.ts"], {
    ...db.env,
    ADMIN_TOKEN: TOKEN,
    SHUTDOWN_TIMEOUT_MS: "500",
  });
  await warden.waitFor((l) => l.msg === "stubborn job started", "the stubborn job started");
  const port = await warden.port();
  const post = () =>
    fetch(`http://127.0.0.1:${port}/health/tasks/stubborn/run?wait=true`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
  const queued = post();
  // The ask waits in the stubborn actor's mailbox before the signal comes.
  for (let i = 0; i < 500; i++) {
    if ((await warden.get("/health/tasks/stubborn")).body.mailboxDepth === 1) break;
  }
  assert.equal((await warden.get("/health/tasks/stubborn")).body.mailboxDepth, 1);
  warden.kill("SIGTERM");
  await warden.waitFor((l) => l.msg === "shutting down", "shutdown began");
  const answer = await queued;
  assert.equal(answer.status, 503);
  assert.match((await answer.json()).error, /shutting down/);
  const status = await warden.status;
  assert.equal(status.code, 0, warden.lines.slice(-30).join("\n"));
  assert.ok(!warden.lines.some((l) => l.includes("exiting hard")), "the guard never fired");
  assert.ok(warden.lines.some((l) => l.includes('"msg":"stopped"')));
});

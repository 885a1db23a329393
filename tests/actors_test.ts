import assert from "node:assert/strict";
import { ActorStoppedError, MailboxFullError } from "../actors/errors.ts";
import { gate, job, nextEvent, testRuntime } from "./fakes/runtime.ts";

const slot = (minute: number) => new Date(Date.UTC(2026, 4, 1, 0, minute));

Deno.test("a tick that arrives during a run is skipped and counted; at most one tick waits", async () => {
  const g = gate();
  const { runtime, store } = testRuntime([job({ name: "slow", run: g.run })]);
  runtime.start();
  const mailbox = runtime.actor("slow").mailbox;

  assert.equal(runtime.tick("slow", slot(1)), "queued");
  await g.entered();
  assert.equal((await runtime.task("slow")).status, "running");
  assert.equal(
    runtime.tick("slow", slot(2)),
    "skipped-overlap",
    "a tick during a tick run is skipped",
  );
  assert.equal(mailbox.counters.skippedOverlap, 1);
  g.release();
  await nextEvent(runtime.events, "run-finished");

  // While a manual run is busy, one tick may wait; the next is skipped.
  const manual = runtime.run("slow");
  await g.entered();
  assert.equal(runtime.tick("slow", slot(3)), "queued");
  assert.equal(runtime.tick("slow", slot(4)), "skipped-overlap");
  assert.equal((await runtime.task("slow")).mailboxDepth, 1);
  g.release();
  assert.equal((await manual)?.outcome, "succeeded");
  await g.entered(); // the waiting tick runs next
  g.release();
  const last = await nextEvent(runtime.events, "run-finished");
  assert.equal(last.run.scheduledFor.toISOString(), slot(3).toISOString());
  assert.equal(mailbox.counters.skippedOverlap, 2);
  assert.deepEqual(
    store.runs.map((r) => [r.trigger, r.outcome]),
    [["cron", "succeeded"], ["manual", "succeeded"], ["cron", "succeeded"]],
  );
  await runtime.shutdown(1_000);
});

Deno.test("a full command mailbox refuses with a clear error; messages to a stopped actor are dead letters", async () => {
  const g = gate();
  const { runtime } = testRuntime([job({ name: "busy", run: g.run })], { commandLimit: 2 });
  runtime.start();
  const mailbox = runtime.actor("busy").mailbox;
  const first = runtime.run("busy");
  await g.entered();
  const queued = [runtime.run("busy"), runtime.run("busy")];
  assert.throws(() => runtime.trigger("busy"), (e: unknown) => {
    assert.ok(e instanceof MailboxFullError);
    assert.match(e.message, /Cannot queue "run [0-9a-f-]+": 2 commands already wait \(limit 2\)/);
    return true;
  });
  assert.equal(mailbox.counters.deadLetters, 1);
  for (const run of [first, ...queued]) {
    await g.entered();
    g.release();
    await run;
  }

  const stopped = nextEvent(runtime.events, "child-stopped");
  await runtime.stop("busy");
  await stopped;
  assert.equal((await runtime.task("busy")).status, "stopped");
  const dead = nextEvent(runtime.events, "dead-letter");
  assert.equal(runtime.tick("busy", slot(1)), "dead-letter");
  assert.equal((await dead).reason, "actor stopped");
  await assert.rejects(runtime.run("busy"), ActorStoppedError);
  assert.equal(mailbox.counters.deadLetters, 3);
  await runtime.shutdown(1_000);
});

Deno.test("a run that throws is recorded as a failure and the actor keeps serving", async () => {
  let calls = 0;
  const { runtime, store } = testRuntime([
    job({
      name: "flaky",
      maxConsecutiveFailures: 5,
      run: () => {
        calls++;
        if (calls === 1) throw new Error("boom");
        return Promise.resolve({ processed: 3 });
      },
    }),
  ]);
  runtime.start();
  const failed = await runtime.run("flaky");
  assert.equal(failed?.outcome, "failed");
  assert.equal(failed?.error, "Error: boom");
  assert.equal((await runtime.task("flaky")).consecutiveFailures, 1);
  assert.equal((await runtime.task("flaky")).status, "idle");
  const ok = await runtime.run("flaky");
  assert.equal(ok?.outcome, "succeeded");
  assert.deepEqual(ok?.result, { processed: 3 });
  const view = await runtime.task("flaky");
  assert.equal(view.consecutiveFailures, 0);
  assert.equal(view.restarts, 0);
  assert.deepEqual(store.runs.map((r) => r.outcome), ["failed", "succeeded"]);
  await runtime.shutdown(1_000);
});

Deno.test("after maxConsecutiveFailures failed runs the supervisor restarts the actor", async () => {
  const { runtime, clock } = testRuntime([
    job({
      name: "broken",
      maxConsecutiveFailures: 2,
      run: () => Promise.reject(new Error("db says no")),
    }),
  ]);
  runtime.start();
  await runtime.run("broken");
  assert.equal((await runtime.task("broken")).restarts, 0);
  const restarting = nextEvent(runtime.events, "restarting");
  await runtime.run("broken");
  const r = await restarting;
  assert.match(r.error, /TooManyFailuresError: broken failed 2 runs in a row \(max 2\)/);
  assert.equal(r.delayMs, 1_100, "min 1 s × (1 + 0.2 × 0.5)");
  assert.equal((await runtime.task("broken")).status, "restarting");
  assert.equal((await runtime.task("broken")).restarts, 1);
  await clock.advance(1_100);
  assert.equal((await runtime.task("broken")).status, "idle", "serving again after the restart");
  assert.equal((await runtime.task("broken")).consecutiveFailures, 2);
  await runtime.shutdown(1_000);
});

Deno.test("a run that ignores its deadline is abandoned, its signal aborted, the actor restarted", async () => {
  const signals: AbortSignal[] = [];
  const started = Promise.withResolvers<void>();
  const { runtime, clock, store } = testRuntime([
    job({
      name: "hang",
      timeout: "10s",
      run: (ctx) => {
        signals.push(ctx.signal);
        started.resolve();
        return new Promise(() => {}); // ignores its signal forever
      },
    }),
  ]);
  runtime.start();
  const finished = runtime.run("hang");
  await started.promise;
  await clock.advance(10_000);
  assert.equal(signals[0].aborted, true, "the signal aborts at the timeout");
  assert.match(String(signals[0].reason), /timed out after 10000 ms/);
  const restarting = nextEvent(runtime.events, "restarting");
  await clock.advance(1_000); // the hang grace
  const run = await finished;
  assert.equal(run?.outcome, "abandoned");
  assert.match(run?.error ?? "", /did not settle within 1000 ms/);
  assert.match((await restarting).error, /HungRunError/);
  const view = await runtime.task("hang");
  assert.equal(view.restarts, 1);
  assert.equal(view.status, "restarting");
  assert.equal(view.lastRun?.outcome, "abandoned");
  assert.equal(store.runs[0].outcome, "abandoned");
  await clock.advance(1_100);
  assert.equal((await runtime.task("hang")).status, "idle");
  await runtime.shutdown(1_000);
});

Deno.test("a run that stops at its deadline fails without a restart", async () => {
  const started = Promise.withResolvers<void>();
  const { runtime, clock } = testRuntime([
    job({
      name: "polite",
      timeout: "5s",
      run: (ctx) =>
        new Promise((_, reject) => {
          started.resolve();
          ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
        }),
    }),
  ]);
  runtime.start();
  const finished = runtime.run("polite");
  await started.promise;
  await clock.advance(5_000);
  const run = await finished;
  assert.equal(run?.outcome, "failed");
  assert.match(run?.error ?? "", /^timed out after 5000 ms/);
  assert.equal((await runtime.task("polite")).restarts, 0);
  await runtime.shutdown(1_000);
});

Deno.test("retries follow the job's policy and are their own runs", async () => {
  let calls = 0;
  const { runtime, clock, store } = testRuntime([
    job({
      name: "retry",
      retry: { attempts: 3, min: "2s", max: "1m", jitter: 0 },
      run: () => (++calls < 3
        ? Promise.reject(new Error(`try ${calls}`))
        : Promise.resolve({ changed: 1 })),
    }),
  ]);
  runtime.start();
  runtime.tick("retry", slot(5));
  assert.equal(
    await clock.sleeping(60_000).then((d) => d.toISOString()),
    "2026-05-01T00:00:02.000Z",
  );
  assert.equal((await runtime.task("retry")).status, "retrying");
  await clock.advance(2_000);
  assert.equal(
    await clock.sleeping(60_000).then((d) => d.toISOString()),
    "2026-05-01T00:00:06.000Z",
    "2 s then 4 s",
  );
  const done = nextEvent(runtime.events, "run-finished", (e) => e.run.outcome === "succeeded");
  await clock.advance(4_000);
  await done;
  assert.deepEqual(store.runs.map((r) => [r.trigger, r.attempt, r.outcome]), [
    ["cron", 1, "failed"],
    ["retry", 2, "failed"],
    ["retry", 3, "succeeded"],
  ]);
  assert.ok(store.runs.every((r) => r.scheduledFor.getTime() === slot(5).getTime()));
  await runtime.shutdown(1_000);
});

Deno.test("pause skips ticks; resume serves them again; ask returns the finished run", async () => {
  let calls = 0;
  const { runtime, store } = testRuntime([
    job({ name: "pausable", run: () => Promise.resolve({ processed: ++calls }) }),
  ]);
  runtime.start();
  await runtime.pause("pausable");
  assert.equal(runtime.actor("pausable").health().paused, true);
  assert.equal((await runtime.task("pausable")).status, "paused");
  assert.equal((await runtime.task("pausable")).nextRunAt, null);
  const skipped = nextEvent(runtime.events, "tick-skipped");
  runtime.tick("pausable", slot(1));
  assert.equal((await skipped).reason, "paused");
  assert.equal(calls, 0);
  assert.equal(store.counters.get("pausable/paused_skips"), 1);

  await runtime.resume("pausable");
  assert.equal((await runtime.task("pausable")).status, "idle");
  const ran = nextEvent(runtime.events, "run-finished");
  runtime.tick("pausable", slot(2));
  assert.equal((await ran).run.outcome, "succeeded");
  const asked = await runtime.run("pausable");
  assert.equal(asked?.outcome, "succeeded");
  assert.equal(asked?.trigger, "manual");
  assert.deepEqual(asked?.result, { processed: 2 });
  assert.ok(asked?.finishedAt instanceof Date);
  await runtime.shutdown(1_000);
});

Deno.test("a second claim of the same slot is lost and counted", async () => {
  const g = gate();
  const { runtime, store } = testRuntime([job({ name: "once", run: g.run })]);
  runtime.start();
  runtime.tick("once", slot(7));
  await g.entered();
  g.release();
  await nextEvent(runtime.events, "run-finished");
  const lost = nextEvent(runtime.events, "tick-skipped");
  runtime.tick("once", slot(7));
  assert.equal((await lost).reason, "lost-claim");
  assert.equal(store.runs.length, 1);
  assert.equal(store.counters.get("once/lost_claims"), 1);
  await runtime.shutdown(1_000);
});

import assert from "node:assert/strict";
import type { JobContext } from "../actors/job.ts";
import { testDatabase } from "./db.ts";
import type { FakeClock } from "./fakes/clock.ts";
import { until } from "./fakes/deadline.ts";
import { dbRuntime, job } from "./fakes/runtime.ts";

const at = (h: number) => new Date(Date.UTC(2026, 4, 1, h));

/**
 * Shuts `r` down with a 1 s drain its running job outlives: its fake clock is moved on until the
 * shutdown ends. Waiting for "a sleeper due within 1 s" and moving once could catch another
 * sleeper (a poll) before the drain's own timer was set, and then wait forever.
 */
async function drainedOut(
  r: { runtime: { shutdown(ms: number): Promise<unknown> }; clock: FakeClock },
) {
  let ended = false;
  const down = r.runtime.shutdown(1_000).finally(() => void (ended = true));
  await until("the shutdown to end", async () => {
    if (!ended) await r.clock.advance(1_000);
    return ended;
  });
  await down;
}

/**
 * Replicas A and B of one database, each with a daily "report" job (three tries, 60 s apart)
 * whose body is `run(node, ctx)`, started at `hour`.
 */
function reportReplicas(
  url: string,
  hour: number,
  run: (node: string, ctx: JobContext) => Promise<{ processed: number }>,
) {
  const spec = (node: string) =>
    job({
      name: "report",
      schedule: "0 8 * * *",
      retry: { attempts: 3, min: 60_000, max: 60_000, jitter: 0 },
      run: (ctx) => run(node, ctx),
    });
  const a = dbRuntime(url, [spec("a")], { node: "a" });
  const b = dbRuntime(url, [spec("b")], { node: "b" });
  return {
    a,
    b,
    async start() {
      for (const r of [a, b]) await r.clock.advanceTo(at(hour));
      a.runtime.start();
      b.runtime.start();
    },
    async [Symbol.asyncDispose]() {
      await a[Symbol.asyncDispose]();
      await b[Symbol.asyncDispose]();
    },
  };
}

Deno.test("a slot cut short by a replica's shutdown is abandoned, not failed, and runs again once on the other replica", async () => {
  await using db = await testDatabase();
  let entered = Promise.withResolvers<JobContext>();
  let redone = 0;
  const spec = job({
    name: "report",
    schedule: "0 8 * * *",
    run: (ctx) => {
      if (ctx.trigger === "retry") return Promise.resolve({ processed: ++redone });
      entered.resolve(ctx);
      // A well-behaved job: it stops as soon as its signal aborts.
      return new Promise((_, reject) => {
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true });
      });
    },
  });
  await using a = dbRuntime(db.url, [spec], { node: "a" });
  await using b = dbRuntime(db.url, [spec], { node: "b" });
  for (const r of [a, b]) await r.clock.advanceTo(at(8));
  a.runtime.start();
  b.runtime.start();
  a.runtime.tick("report", at(8));
  const ctx = await entered.promise;
  entered = Promise.withResolvers();

  // A is told to stop (a rolling deploy): the run outlives the drain and is aborted.
  await drainedOut(a);
  assert.equal(ctx.signal.aborted, true, "the run saw its signal abort");
  const [cut] = await db.sql<{ outcome: string; error: string }[]>`
    SELECT outcome, error FROM job_runs WHERE id = ${ctx.runId}`;
  assert.equal(cut.outcome, "abandoned", `the slot is not done: ${cut.error}`);

  // B's control pass finds the slot and runs it again, once.
  await b.runtime.syncControl();
  await until("the cut slot to run again on B", async () => {
    const [row] = await db.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM job_runs
      WHERE retry_of = ${ctx.runId} AND outcome = 'succeeded'`;
    return row.n === 1;
  });
  await b.runtime.syncControl();
  assert.equal(redone, 1, "run again exactly once");
});

Deno.test("a rolling deploy that cuts a slot's rerun too hands it on again: a shutdown's cut spends no attempt", async () => {
  await using db = await testDatabase();
  const cuts: JobContext[] = [];
  let entered = Promise.withResolvers<JobContext>();
  const done: string[] = [];
  const spec = job({
    name: "report",
    schedule: "0 8 * * *", // one try in all: no retry policy
    run: (ctx) => {
      if (cuts.length === 2) return Promise.resolve({ processed: done.push(ctx.runId) });
      cuts.push(ctx);
      entered.resolve(ctx);
      return new Promise((_, reject) => {
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true });
      });
    },
  });
  await using a = dbRuntime(db.url, [spec], { node: "a" });
  await using b = dbRuntime(db.url, [spec], { node: "b" });
  await using c = dbRuntime(db.url, [spec], { node: "c" });
  for (const r of [a, b, c]) await r.clock.advanceTo(at(8));
  for (const r of [a, b, c]) r.runtime.start();
  const cut = async (r: typeof a) => {
    const ctx = await entered.promise;
    entered = Promise.withResolvers();
    await drainedOut(r);
    return ctx;
  };
  a.runtime.tick("report", at(8));
  await cut(a); // A goes first: its cron run is cut
  await b.runtime.syncControl();
  const rerun = await cut(b); // then B, in the middle of the rerun it took
  const [row] = await db.sql<{ outcome: string; attempt: number }[]>`
    SELECT outcome, attempt FROM job_runs WHERE id = ${rerun.runId}`;
  assert.deepEqual([row.outcome, row.attempt], ["abandoned", 1]);

  await c.runtime.syncControl();
  await until("the twice-cut slot to run on C", () => Promise.resolve(done.length === 1));
  await c.runtime.syncControl();
  assert.equal(done.length, 1, "run again exactly once");
  const [last] = await db.sql<{ retry_of: string; node: string; outcome: string }[]>`
    SELECT retry_of, node, outcome FROM job_runs WHERE id = ${done[0]}`;
  assert.deepEqual([last.retry_of, last.node, last.outcome], [rerun.runId, "c", "succeeded"]);
});

Deno.test("a slot whose try failed, its next try still owed when the replica stops, is handed on: the next try runs on the other replica, once", async () => {
  await using db = await testDatabase();
  const tries: string[] = [];
  const failed = Promise.withResolvers<string>();
  await using replicas = reportReplicas(db.url, 8, (node, ctx) => {
    tries.push(`${node}:${ctx.trigger}:${ctx.attempt}`);
    if (ctx.attempt > 1) return Promise.resolve({ processed: 1 });
    failed.resolve(ctx.runId);
    return Promise.reject(new Error("the API answered 502"));
  });
  const { a, b } = replicas;
  await replicas.start();
  a.runtime.tick("report", at(8));
  const first = await failed.promise;
  await a.clock.sleeping(60_000); // the backoff before try 2

  // A rolling deploy stops A during the backoff: try 2 is not A's to give up.
  await a.runtime.shutdown(1_000);
  await b.runtime.syncControl();
  await until("try 2 to run on B", () => Promise.resolve(tries.includes("b:retry:2")));
  await b.runtime.syncControl();
  assert.deepEqual(tries, ["a:cron:1", "b:retry:2"], "try 2 runs once, on B");
  const rows = await db.sql<{ node: string; outcome: string; attempt: number; after: boolean }[]>`
    SELECT node, outcome, attempt, retry_of IS NOT NULL AS after FROM job_runs
    WHERE job = 'report' ORDER BY started_at, attempt`;
  assert.deepEqual(rows.map((r) => [r.node, r.outcome, r.attempt]), [
    ["a", "failed", 1],
    ["a", "abandoned", 2], // handed on, never started
    ["b", "succeeded", 2],
  ]);
  const [handed] = await db.sql<{ id: string; error: string }[]>`
    SELECT id, error FROM job_runs WHERE retry_of = ${first}`;
  assert.match(handed.error, /^stopped by the shutdown: try 2 of 3 handed on/);
});

Deno.test("a manual run whose try failed, its next try owed when the replica stops, is not handed on: nothing would hand its slot again", async () => {
  await using db = await testDatabase();
  const tries: string[] = [];
  await using replicas = reportReplicas(db.url, 9, (node, ctx) => {
    tries.push(`${node}:${ctx.trigger}:${ctx.attempt}`);
    if (node === "b") return Promise.resolve({ processed: 1 });
    return Promise.reject(new Error("the API answered 502"));
  });
  const { a, b } = replicas;
  await replicas.start();
  const first = a.runtime.trigger("report");
  await a.clock.sleeping(60_000); // try 1 failed: the backoff before try 2

  // A stops during the backoff: the manual run's tries end with it, no try is handed on.
  await a.runtime.shutdown(1_000);
  await b.runtime.syncControl();
  // B's own manual run queues behind anything the pass handed B: once it is done, so is that.
  assert.equal((await b.runtime.run("report"))?.outcome, "succeeded");
  assert.deepEqual(tries, ["a:manual:1", "b:manual:1"], "try 2 of A's run runs nowhere");
  const rows = await db.sql<{ node: string; outcome: string; attempt: number }[]>`
    SELECT node, outcome, attempt FROM job_runs WHERE job = 'report' ORDER BY started_at`;
  assert.deepEqual(rows.map((r) => [r.node, r.outcome, r.attempt]), [
    ["a", "failed", 1],
    ["b", "succeeded", 1],
  ]);
  const handed = await db.sql`SELECT id FROM job_runs WHERE retry_of = ${first}`;
  assert.equal(handed.length, 0, "no abandoned try 2 written for A's manual run");
});

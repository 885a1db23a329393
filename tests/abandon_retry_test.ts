import assert from "node:assert/strict";
import type { JobContext } from "../actors/job.ts";
import { testDatabase } from "./db.ts";
import { until } from "./fakes/deadline.ts";
import { dbRuntime, gate, job } from "./fakes/runtime.ts";

const at = (h: number) => new Date(Date.UTC(2026, 4, 1, h));

/**
 * A job whose cron run fails on its own, and whose retry (attempt 2) hangs on replica A until
 * A "dies": its lease is run out and B's rescuer abandons it. Any later run succeeds.
 */
async function retryDiesOnA(attempts: number) {
  const db = await testDatabase();
  const g = gate();
  const redone: JobContext[] = [];
  const spec = job({
    name: "tally",
    schedule: "0 * * * *",
    retry: { attempts, min: "1s", max: "1s", jitter: 0 },
    catchUp: { policy: "skip", grace: "1h" },
    run: (ctx) => {
      if (ctx.attempt === 1 && ctx.trigger === "cron") throw new Error("boom: a real failure");
      if (ctx.attempt === 2 && ctx.trigger === "retry" && redone.length === 0) return g.run(ctx);
      redone.push(ctx);
      return Promise.resolve({ processed: 1 });
    },
  });
  const a = dbRuntime(db.url, [spec], { node: "a" });
  const b = dbRuntime(db.url, [spec], { node: "b" });
  for (const r of [a, b]) await r.clock.advanceTo(at(3));
  a.runtime.start();
  b.runtime.start();
  a.runtime.tick("tally", at(3));
  await a.clock.sleeping(1_000); // the backoff before attempt 2
  await a.clock.advance(1_000);
  const dying = await g.entered();
  await db
    .sql`UPDATE job_runs SET lease_expires_at = now() - interval '1 second' WHERE id = ${dying.runId}`;
  assert.deepEqual((await b.store.rescue()).map((r) => r.id), [dying.runId]);
  return {
    db,
    a,
    b,
    dying,
    redone,
    async [Symbol.asyncDispose]() {
      g.release(); // the dead run's body, let go at the end
      await a[Symbol.asyncDispose]();
      await b[Symbol.asyncDispose]();
      await db[Symbol.asyncDispose]();
    },
  };
}

Deno.test("a retry whose replica dies mid-run is run again once, on one of two replicas, as its next attempt", async () => {
  await using t = await retryDiesOnA(3);
  const { db, a, b, dying } = t;
  await Promise.all([a.runtime.syncControl(), b.runtime.syncControl()]);
  await until("the dead retry to run again", async () => {
    const [row] = await db.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM job_runs WHERE retry_of = ${dying.runId} AND outcome = 'succeeded'`;
    return row.n === 1;
  });
  await Promise.all([a.runtime.syncControl(), b.runtime.syncControl()]);
  await Promise.all([a.runtime.syncControl(), b.runtime.syncControl()]);
  assert.equal(t.redone.length, 1, "run again exactly once across both replicas");
  assert.deepEqual(
    [t.redone[0].trigger, t.redone[0].attempt, t.redone[0].scheduledFor.toISOString()],
    ["retry", 3, at(3).toISOString()],
  );
  const runs = await db.sql<{ trigger: string; attempt: number; outcome: string }[]>`
    SELECT trigger, attempt, outcome FROM job_runs WHERE job = 'tally' ORDER BY started_at, attempt`;
  assert.deepEqual(runs.map((r) => `${r.trigger}/${r.attempt}/${r.outcome}`), [
    "cron/1/failed",
    "retry/2/abandoned",
    "retry/3/succeeded",
  ]);
});

Deno.test("a retry that dies on its job's last attempt is not handed again: the policy's attempts are spent", async () => {
  await using t = await retryDiesOnA(2);
  const { a, b } = t;
  await Promise.all([a.runtime.syncControl(), b.runtime.syncControl()]);
  await Promise.all([a.runtime.syncControl(), b.runtime.syncControl()]);
  assert.equal(t.redone.length, 0, "no third try of a job allowed two");
});

Deno.test("a cron run whose replica dies is run again as its attempt 2: a job allowed two tries gets no third", async () => {
  await using db = await testDatabase();
  const g = gate();
  const reruns: JobContext[] = [];
  const spec = job({
    name: "tally",
    schedule: "0 * * * *",
    retry: { attempts: 2, min: "1s", max: "1s", jitter: 0 },
    catchUp: { policy: "skip", grace: "1h" },
    run: (ctx) => {
      if (ctx.trigger === "cron") return g.run(ctx);
      reruns.push(ctx);
      return Promise.reject(new Error("boom: a real failure"));
    },
  });
  await using a = dbRuntime(db.url, [spec], { node: "a" });
  await using b = dbRuntime(db.url, [spec], { node: "b" });
  using _open = { [Symbol.dispose]: () => g.release() };
  for (const r of [a, b]) await r.clock.advanceTo(at(3));
  a.runtime.start();
  b.runtime.start();
  a.runtime.tick("tally", at(3));
  const dying = await g.entered();
  await db
    .sql`UPDATE job_runs SET lease_expires_at = now() - interval '1 second' WHERE id = ${dying.runId}`;
  assert.deepEqual((await b.store.rescue()).map((r) => r.id), [dying.runId]);
  await Promise.all([a.runtime.syncControl(), b.runtime.syncControl()]);
  await until("the dead run's slot to be run again", async () => {
    const [row] = await db.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM job_runs WHERE retry_of = ${dying.runId} AND outcome = 'failed'`;
    return row.n === 1;
  });
  assert.deepEqual(reruns.map((c) => [c.trigger, c.attempt]), [["retry", 2]]);
  for (const r of [a, b]) await r.clock.advance(1_000); // a backoff, if a third try were owed
  await Promise.all([a.runtime.syncControl(), b.runtime.syncControl()]);
  const runs = await db.sql<{ trigger: string; attempt: number; outcome: string }[]>`
    SELECT trigger, attempt, outcome FROM job_runs WHERE job = 'tally' ORDER BY started_at, attempt`;
  assert.deepEqual(runs.map((r) => `${r.trigger}/${r.attempt}/${r.outcome}`), [
    "cron/1/abandoned",
    "retry/2/failed",
  ]);
});

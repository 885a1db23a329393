import assert from "node:assert/strict";
import { testDatabase } from "./db.ts";
import { until } from "./fakes/deadline.ts";
import { dbRuntime, gate, job } from "./fakes/runtime.ts";

const at = (h: number) => new Date(Date.UTC(2026, 4, 1, h));

Deno.test("an abandoned slot found while its job is paused runs again once after the resume, on whichever replica claims it", async () => {
  await using db = await testDatabase();
  const g = gate();
  let retries = 0;
  const spec = job({
    name: "owed",
    catchUp: { policy: "skip", grace: "1h" },
    run: (
      ctx,
    ) => (ctx.trigger === "retry" ? Promise.resolve({ processed: ++retries }) : g.run(ctx)),
  });
  await using a = dbRuntime(db.url, [spec], { node: "a" });
  await using b = dbRuntime(db.url, [spec], { node: "b" });
  for (const r of [a, b]) await r.clock.advanceTo(at(3));
  a.runtime.start();
  b.runtime.start();
  const ctx = await (a.runtime.tick("owed", at(3)), g.entered());
  using _open = { [Symbol.dispose]: () => g.release() }; // the dead run's body, let go at the end
  // A dies mid-run; the operator pauses the job; B's rescuer abandons A's run.
  await b.runtime.pause("owed");
  await db
    .sql`UPDATE job_runs SET lease_expires_at = now() - interval '1 second' WHERE id = ${ctx.runId}`;
  assert.deepEqual((await b.store.rescue()).map((r) => r.id), [ctx.runId]);
  // Both replicas see the abandoned slot while the job is paused: nothing runs.
  await Promise.all([a.runtime.syncControl(), b.runtime.syncControl()]);
  await Promise.all([a.runtime.syncControl(), b.runtime.syncControl()]);
  assert.equal(retries, 0, "a paused job runs nothing");

  // Resumed within the grace: the slot is run again, once, by one of them.
  await b.runtime.resume("owed");
  await Promise.all([a.runtime.syncControl(), b.runtime.syncControl()]);
  await until("the abandoned slot to run again after the resume", async () => {
    const [row] = await db.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM job_runs
      WHERE job = 'owed' AND retry_of = ${ctx.runId} AND outcome <> 'running'`;
    return row.n === 1;
  });
  await Promise.all([a.runtime.syncControl(), b.runtime.syncControl()]); // nothing more to retry
  assert.equal(retries, 1, "run again exactly once");
});

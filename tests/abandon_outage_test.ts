import assert from "node:assert/strict";
import { connectClient } from "../db/connect.ts";
import { pgRunStore } from "../db/run_store.ts";
import { testDatabase } from "./db.ts";
import { until } from "./fakes/deadline.ts";
import { dbRuntime, gate, job, nextEvent } from "./fakes/runtime.ts";

const at = (h: number) => new Date(Date.UTC(2026, 4, 1, h));

Deno.test("an abandoned slot whose retry could not be claimed (the database away for a moment) is handed again and runs once", async () => {
  await using db = await testDatabase();
  const g = gate();
  let redone = 0;
  const spec = job({
    name: "owed",
    run: (ctx) => (ctx.trigger === "retry" ? Promise.resolve({ processed: ++redone }) : g.run(ctx)),
  });
  // B's store: the first claim of a retry meets the database away.
  const bsql = connectClient(db.url, { embedded: db.kind === "embedded", max: 1 });
  const real = pgRunStore(bsql);
  let away = true;
  const store = {
    ...real,
    claim(r: Parameters<typeof real.claim>[0]) {
      if (r.retryOf && away) {
        away = false;
        const e = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
        return Promise.reject(e);
      }
      return real.claim(r);
    },
  };
  try {
    await using a = dbRuntime(db.url, [spec], { node: "a" });
    await using b = dbRuntime(db.url, [spec], { node: "b", store });
    a.runtime.start();
    b.runtime.start();
    const ctx = await (a.runtime.tick("owed", at(3)), g.entered());
    using _open = { [Symbol.dispose]: () => g.release() }; // A's dead run, let go at the end
    await db
      .sql`UPDATE job_runs SET lease_expires_at = now() - interval '1 second' WHERE id = ${ctx.runId}`;
    assert.deepEqual((await real.rescue()).map((r) => r.id), [ctx.runId]);

    // B's first try cannot claim: the slot is not taken, and B must not forget it.
    const failed = nextEvent(b.runtime.events, "run-finished", (e) => e.run.trigger === "retry");
    await b.runtime.syncControl();
    assert.equal((await failed).run.outcome, "failed");
    assert.equal(away, false);

    // The database answers again: the next pass hands the slot again and it runs, once.
    await b.runtime.syncControl();
    await until("the abandoned slot to run again on B", async () => {
      const [row] = await db.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM job_runs WHERE retry_of = ${ctx.runId} AND outcome = 'succeeded'`;
      return row.n === 1;
    });
    await b.runtime.syncControl();
    assert.equal(redone, 1, "run again exactly once");
  } finally {
    await bsql.end({ timeout: 5 });
  }
});

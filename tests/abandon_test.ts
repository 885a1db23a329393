import assert from "node:assert/strict";
import type postgres from "postgres";
import { clientOptions, guardClientBug } from "../db/connect.ts";
import { leaseRescueJob } from "../db/rescue_job.ts";
import { runApplicationName, serverRunConnections } from "../db/run_connections.ts";
import { testDatabase } from "./db.ts";
import { runJob } from "./fakes/community.ts";
import { until } from "./fakes/deadline.ts";
import { dbRuntime, gate, job, nextEvent } from "./fakes/runtime.ts";

const at = (h: number) => new Date(Date.UTC(2026, 4, 1, h));
const embedded = !Deno.env.get("DATABASE_URL");
// As main.ts does: these tests terminate backends on purpose (see guardClientBug).
guardClientBug(() => {});

/** Backends still running for the run, by the name its connections carry. */
async function backendsOf(sql: postgres.Sql, runId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${
    runApplicationName(runId)
  }`;
  return row.n;
}

/** Each run on connections of its own, named after it, as `main.ts` wires them on a server. */
function ownConnections(db: { url: string; sql: postgres.Sql }) {
  return serverRunConnections({ url: db.url, admin: db.sql, max: 2, options: clientOptions({}) });
}

/** A job whose query ignores its signal: it sleeps in the database for ten minutes. */
function sleeper(entered: (runId: string) => void) {
  return job({
    name: "sleeper",
    timeout: "1s",
    run: async (ctx) => {
      entered(ctx.runId);
      await ctx.db`SELECT pg_sleep(600)`;
      return { processed: 1 };
    },
  });
}

Deno.test({
  name: "abandon means stop: a run hung in a query past its deadline has its backend terminated",
  // The embedded database is one session shared by every run: nothing to cancel per run.
  ignore: embedded,
  async fn() {
    await using db = await testDatabase();
    let runId = "";
    const started = Promise.withResolvers<void>();
    await using r = dbRuntime(db.url, [sleeper((id) => (runId = id, started.resolve()))], {
      node: "a",
      connections: ownConnections(db),
    });
    r.runtime.start();
    r.runtime.tick("sleeper", at(1));
    await started.promise;
    await until("the query to start", async () => (await backendsOf(db.sql, runId)) === 1);
    const restarting = nextEvent(r.runtime.events, "restarting");
    await r.clock.advance(1_000); // the deadline: its signal aborts, the query goes on
    await r.clock.advance(1_000); // the grace: abandoned
    assert.match((await restarting).error, /did not settle/);
    await until("the backend to go", async () => (await backendsOf(db.sql, runId)) === 0);
    const [run] = await db.sql`SELECT outcome FROM job_runs WHERE id = ${runId}`;
    assert.equal(run.outcome, "abandoned");
  },
});

Deno.test({
  name:
    "the rescuer on another replica terminates the queries of a run whose node stopped renewing",
  ignore: embedded,
  async fn() {
    await using db = await testDatabase();
    const g = gate();
    let runId = "";
    const started = Promise.withResolvers<void>();
    const spec = job({
      name: "stuck",
      run: async (ctx) => {
        runId = ctx.runId;
        started.resolve();
        await Promise.race([ctx.db`SELECT pg_sleep(600)`.catch(() => {}), g.run(ctx)]);
        return { processed: 1 };
      },
    });
    await using a = dbRuntime(db.url, [spec], {
      node: "a",
      connections: ownConnections(db),
    });
    a.runtime.start();
    a.runtime.tick("stuck", at(2));
    await started.promise;
    using _open = { [Symbol.dispose]: () => g.release() };
    await until("the query to start", async () => (await backendsOf(db.sql, runId)) === 1);
    await db
      .sql`UPDATE job_runs SET lease_expires_at = now() - interval '1 second' WHERE id = ${runId}`;
    const rescued = await runJob(leaseRescueJob(), db.sql, at(2));
    assert.deepEqual(rescued.details, { runs: [runId], cancelledBackends: 1 });
    await until("the backend to go", async () => (await backendsOf(db.sql, runId)) === 0);
  },
});

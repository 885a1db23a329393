/**
 * `RunStore.setPaused` and `register` take lists of job names in one upsert each: a name listed
 * twice is the same job once (Postgres refuses an upsert that meets its own row a second time).
 */
import assert from "node:assert/strict";
import { defineJob } from "../actors/job.ts";
import { UnknownJobError } from "../actors/errors.ts";
import { pgRunStore } from "../db/run_store.ts";
import { testDatabase } from "./db.ts";
import { testRuntime } from "./fakes/runtime.ts";

const START = new Date("2026-05-01T00:00:00Z");

Deno.test("setPaused and register with a job listed twice: each job once, no error", async (t) => {
  await using db = await testDatabase();
  const store = pgRunStore(db.sql);
  const states = async () =>
    Object.fromEntries(
      (await db.sql<{ job: string; paused: boolean }[]>`
        SELECT job, paused FROM job_state ORDER BY job`).map((r) => [r.job, r.paused]),
    );

  await t.step("pause, then resume, with duplicates (new rows, then existing rows)", async () => {
    await store.setPaused(["b", "a", "b", "a", "b"], true);
    assert.deepEqual(await states(), { a: true, b: true });
    await store.setPaused(["a", "c", "a"], false);
    assert.deepEqual(await states(), { a: false, b: true, c: false });
    assert.deepEqual(
      [...await store.pauseStates(["a", "b", "c"])],
      [{ job: "a", paused: false }, { job: "b", paused: true }, { job: "c", paused: false }],
    );
  });

  await t.step("register with duplicates", async () => {
    await store.register!(["d", "a", "d"], START);
    const known = await db.sql<{ job: string; known: Date | null }[]>`
      SELECT job, known_since AS known FROM job_state WHERE job IN ('a', 'd') ORDER BY job`;
    assert.deepEqual(known.map((r) => [r.job, r.known?.toISOString()]), [
      ["a", START.toISOString()],
      ["d", START.toISOString()],
    ]);
  });
});

Deno.test("on the database, an unknown job name is still refused by name and nothing is written", async () => {
  await using db = await testDatabase();
  const job = defineJob({
    name: "known",
    description: "x",
    schedule: "0 * * * *",
    timeout: "1m",
    run: () => Promise.resolve({}),
  });
  const { runtime } = testRuntime([job], { store: pgRunStore(db.sql) });
  try {
    await assert.rejects(runtime.pause("nope"), UnknownJobError);
    await assert.rejects(runtime.pause("nope"), /unknown job "nope": known jobs are known/);
    const [{ n }] = await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM job_state`;
    assert.equal(n, 0);
    await runtime.pause("known");
    assert.deepEqual([...await pgRunStore(db.sql).pauseStates(["known"])], [
      { job: "known", paused: true },
    ]);
  } finally {
    await runtime.shutdown(1_000);
  }
});

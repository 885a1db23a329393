/**
 * `RunStore.register` at a replica's start: it fills `job_state.known_since` for rows without it
 * and must leave the rows already registered alone, neither updating nor locking them, so a
 * starting replica neither waits behind an operator's pause transaction nor blocks it.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { pgRunStore } from "../db/run_store.ts";
import { testDatabase } from "./db.ts";
import { until } from "./fakes/deadline.ts";

// The embedded database is one session shared by every client: no transaction can hold a row
// while another statement runs, so there is no lock to wait behind (nor race) to show there.
const embedded = !Deno.env.get("DATABASE_URL");

const EARLIER = new Date("2026-04-01T00:00:00Z");
const FIRST_RUN = new Date("2026-04-20T00:00:00Z");
const START = new Date("2026-05-01T00:00:00Z");

async function knownSince(sql: postgres.Sql) {
  const rows = await sql<{ job: string; known_since: Date | null }[]>`
    SELECT job, known_since FROM job_state ORDER BY job`;
  return Object.fromEntries(rows.map((r) => [r.job, r.known_since?.toISOString() ?? null]));
}

/** Backends of this database waiting for a lock inside a statement that contains `text`. */
async function waitingIn(sql: postgres.Sql, text: string) {
  const [{ n }] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock'
      AND query LIKE ${"%" + text + "%"}`;
  return n;
}

const REGISTER = "INSERT INTO job_state (job, known_since)";
const SET_PAUSED = "INSERT INTO job_state (job, paused, updated_at)";
const registersWaiting = (sql: postgres.Sql) => waitingIn(sql, REGISTER);

Deno.test("register: a missing row is inserted, a row without known_since gets it, a registered row keeps its own", async () => {
  await using db = await testDatabase();
  await db.sql`
    INSERT INTO job_runs (id, job, scheduled_for, trigger, node, outcome, started_at, finished_at)
    VALUES (gen_random_uuid(), 'ran', ${FIRST_RUN}, 'cron', 'a', 'succeeded', ${FIRST_RUN},
            ${FIRST_RUN})`;
  await db.sql`INSERT INTO job_state (job, paused) VALUES ('paused', true)`;
  await db.sql`INSERT INTO job_state (job, known_since) VALUES ('old', ${EARLIER})`;
  await pgRunStore(db.sql).register!(["new", "ran", "paused", "old"], START);
  assert.deepEqual(await knownSince(db.sql), {
    new: START.toISOString(),
    old: EARLIER.toISOString(),
    paused: START.toISOString(),
    ran: FIRST_RUN.toISOString(),
  });
});

/**
 * A transaction on `session` that has run `step` and stays open, its locks held, until
 * `release()`; `done` settles when it has committed.
 */
async function openTransaction(
  session: postgres.Sql,
  step: (tx: postgres.TransactionSql) => Promise<unknown>,
) {
  let release!: () => void;
  const released = new Promise<void>((r) => release = r);
  const ran = Promise.withResolvers<void>();
  const done = session.begin(async (tx) => {
    await step(tx);
    ran.resolve();
    await released;
  });
  await Promise.race([ran.promise, done]);
  return { release, done };
}

Deno.test({
  name:
    "register does not wait for an operator's transaction holding a registered job's row, and inserts the new ones meanwhile",
  ignore: embedded,
  async fn() {
    await using db = await testDatabase();
    await db.sql`INSERT INTO job_state (job, known_since) VALUES ('held', ${EARLIER})`;
    const [replica, operator] = [1, 2].map(() => postgres(db.url, { max: 1, onnotice: () => {} }));
    let held: Awaited<ReturnType<typeof openTransaction>> | undefined;
    try {
      held = await openTransaction(
        operator,
        (tx) => tx`SELECT paused FROM job_state WHERE job = 'held' FOR UPDATE`,
      );
      let done = false;
      const registering = pgRunStore(replica).register!(["held", "fresh"], START)
        .then(() => done = true);
      let waiting = 0;
      await until(
        "register to finish or to wait for the held row",
        async () => done || (waiting = await registersWaiting(db.sql)) > 0,
      );
      assert.equal(waiting, 0, "register waited for the operator's lock on a registered row");
      await registering;
      assert.deepEqual(await knownSince(db.sql), {
        fresh: START.toISOString(),
        held: EARLIER.toISOString(),
      });
      held.release();
      await held.done;
    } finally {
      held?.release();
      await Promise.all([replica.end(), operator.end()]);
    }
  },
});

Deno.test({
  name:
    "register after another transaction's new row for the job commits: the row gets known_since",
  ignore: embedded,
  async fn() {
    await using db = await testDatabase();
    const [replica, operator] = [1, 2].map(() => postgres(db.url, { max: 1, onnotice: () => {} }));
    let held: Awaited<ReturnType<typeof openTransaction>> | undefined;
    try {
      // A pause of a job no replica registered yet: its row comes without known_since.
      held = await openTransaction(
        operator,
        (tx) => tx`INSERT INTO job_state (job, paused) VALUES ('racing', true)`,
      );
      const registering = pgRunStore(replica).register!(["racing"], START);
      await until(
        "register to wait for the uncommitted row",
        async () => (await registersWaiting(db.sql)) === 1,
      );
      held.release();
      await held.done;
      await registering;
      assert.deepEqual(await knownSince(db.sql), { racing: START.toISOString() });
    } finally {
      held?.release();
      await Promise.all([replica.end(), operator.end()]);
    }
  },
});

Deno.test({
  name:
    "two replicas registering the same jobs at once, listed in opposite orders, both succeed: no deadlock",
  ignore: embedded,
  async fn() {
    await using db = await testDatabase();
    const [a, b, operator] = [1, 2, 3].map(() => postgres(db.url, { max: 1, onnotice: () => {} }));
    let held: Awaited<ReturnType<typeof openTransaction>> | undefined;
    const LATER = new Date(START.getTime() + 60_000);
    try {
      // An operator's pause of 'w', not committed yet, holds both statements on 'w'. Taken in
      // the order given, each would then hold a row of its own the other comes to next.
      held = await openTransaction(
        operator,
        (tx) => tx`INSERT INTO job_state (job, paused) VALUES ('w', true)`,
      );
      const registering = [
        pgRunStore(a).register!(["x", "w", "z"], START),
        pgRunStore(b).register!(["z", "w", "x"], LATER),
      ];
      await until("both registers to wait", async () => (await registersWaiting(db.sql)) === 2);
      held.release();
      await held.done;
      await Promise.all(registering);
      const known = await knownSince(db.sql);
      assert.deepEqual(Object.keys(known), ["w", "x", "z"]);
      for (const [job, at] of Object.entries(known)) {
        assert.ok([START, LATER].some((t) => t.toISOString() === at), `${job}: ${at}`);
      }
    } finally {
      held?.release();
      await Promise.all([a.end(), b.end(), operator.end()]);
    }
  },
});

Deno.test({
  name:
    "two multi-job pauses of the same jobs at once, listed in opposite orders, both succeed: no deadlock",
  ignore: embedded,
  async fn() {
    await using db = await testDatabase();
    const [a, b, operator] = [1, 2, 3].map(() => postgres(db.url, { max: 1, onnotice: () => {} }));
    let held: Awaited<ReturnType<typeof openTransaction>> | undefined;
    try {
      // A third session's uncommitted row for 'w' holds both on it; taken in the order given,
      // each would hold the row the other comes to next ('x' or 'z').
      held = await openTransaction(
        operator,
        (tx) => tx`INSERT INTO job_state (job, paused) VALUES ('w', false)`,
      );
      const pausing = [
        pgRunStore(a).setPaused(["x", "w", "z"], true),
        pgRunStore(b).setPaused(["z", "w", "x"], false),
      ];
      await until("both pauses to wait", async () => (await waitingIn(db.sql, SET_PAUSED)) === 2);
      held.release();
      await held.done;
      await Promise.all(pausing);
      // One statement wrote all three rows after the other: the later one's state everywhere.
      const rows = await db.sql<{ job: string; paused: boolean }[]>`
        SELECT job, paused FROM job_state ORDER BY job`;
      assert.deepEqual(rows.map((r) => r.job), ["w", "x", "z"]);
      assert.equal(new Set(rows.map((r) => r.paused)).size, 1, JSON.stringify(rows));
    } finally {
      held?.release();
      await Promise.all([a.end(), b.end(), operator.end()]);
    }
  },
});

Deno.test({
  name:
    "a multi-job pause listed out of name order and a replica's register at once both succeed: no deadlock",
  ignore: embedded,
  async fn() {
    await using db = await testDatabase();
    const [replica, admin, operator] = [1, 2, 3].map(() =>
      postgres(db.url, { max: 1, onnotice: () => {} })
    );
    let held: Awaited<ReturnType<typeof openTransaction>> | undefined;
    try {
      // register takes 'a' then waits on 'w'; a pause taken in its own order ('z', 'w', 'a')
      // would hold 'z', which register comes to after 'w', and wait for 'a'.
      held = await openTransaction(
        operator,
        (tx) => tx`INSERT INTO job_state (job, paused) VALUES ('w', false)`,
      );
      const both = [
        pgRunStore(replica).register!(["a", "w", "z"], START),
        pgRunStore(admin).setPaused(["z", "w", "a"], true),
      ];
      await until(
        "register and the pause to wait",
        async () =>
          (await waitingIn(db.sql, REGISTER)) === 1 && (await waitingIn(db.sql, SET_PAUSED)) === 1,
      );
      held.release();
      await held.done;
      await Promise.all(both);
      const rows = await db.sql<{ job: string; paused: boolean; known_since: Date | null }[]>`
        SELECT job, paused, known_since FROM job_state ORDER BY job`;
      assert.deepEqual(
        rows.map((r) => [r.job, r.paused, r.known_since?.toISOString()]),
        ["a", "w", "z"].map((job) => [job, true, START.toISOString()]),
      );
    } finally {
      held?.release();
      await Promise.all([replica.end(), admin.end(), operator.end()]);
    }
  },
});

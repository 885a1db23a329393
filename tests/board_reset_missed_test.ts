/** The leaderboard resets after missed periods: each closed period archived, one podium. */
import assert from "node:assert/strict";
import postgres, { type Sql } from "postgres";
import { closedSince, leaderboardResetJob, MAX_CLOSED } from "../domain/board_reset.ts";
import { testDatabase } from "./db.ts";
import { community, creditLedger, outbox, runJob } from "./fakes/community.ts";

const CHAT = -100;

async function arena() {
  const db = await testDatabase();
  await community(db.sql, { id: CHAT, title: "Arena" }, [1, 2, 3].map((user) => ({ user })));
  return db;
}

const archived = async (sql: Sql) =>
  (await sql`
    SELECT period, period_start, rank, user_id FROM leaderboard_archive
    ORDER BY period_start, position`).map((
    a,
  ) => [a.period, a.period_start.toISOString().slice(0, 10), a.rank, Number(a.user_id)]);

Deno.test("two weekly resets missed: the run that catches up archives both closed weeks, announces the last", async () => {
  await using db = await arena();
  await creditLedger(db.sql, CHAT, [
    [1, 10, "2026-11-04T10:00:00Z"], // week of 2 November: archived on time
    [2, 10, "2026-11-11T10:00:00Z"], // week of 9 November: its reset (16th) was missed
    [3, 10, "2026-11-18T10:00:00Z"], // week of 16 November: its reset (23rd) runs late, once
  ]);
  const reset = leaderboardResetJob("week");
  await runJob(reset, db.sql, "2026-11-09T00:00:00Z");
  await runJob(reset, db.sql, "2026-11-23T00:00:00Z"); // catch-up "once": the latest slot only
  assert.deepEqual(await archived(db.sql), [
    ["week", "2026-11-02", 1, 1],
    ["week", "2026-11-09", 1, 2],
    ["week", "2026-11-16", 1, 3],
  ]);
  const podiums = (await outbox(db.sql)).map((m) => m.text.split("\n")[0]);
  assert.deepEqual(podiums, [
    "🏁 Final board for the week of 2 November 2026:",
    "🏁 Final board for the week of 16 November 2026:",
  ], "the missed week is archived, not announced late");
});

Deno.test("December and January missed: the February reset archives both months across the new year", async () => {
  await using db = await arena();
  await creditLedger(db.sql, CHAT, [
    [1, 10, "2026-11-30T23:59:59Z"],
    [2, 10, "2026-12-31T23:59:59Z"],
    [3, 10, "2027-01-01T00:00:00Z"],
  ]);
  const reset = leaderboardResetJob("month");
  await runJob(reset, db.sql, "2026-12-01T00:00:00Z");
  await runJob(reset, db.sql, "2027-02-01T00:00:00Z");
  assert.deepEqual(await archived(db.sql), [
    ["month", "2026-11-01", 1, 1],
    ["month", "2026-12-01", 1, 2],
    ["month", "2027-01-01", 1, 3],
  ]);
  assert.equal((await outbox(db.sql)).length, 2);
});

Deno.test("two replicas catching up at once archive each missed week once and announce once", async () => {
  await using db = await arena();
  await creditLedger(db.sql, CHAT, [
    [1, 10, "2026-11-04T10:00:00Z"],
    [2, 10, "2026-11-11T10:00:00Z"],
    [3, 10, "2026-11-18T10:00:00Z"],
  ]);
  const reset = leaderboardResetJob("week");
  await runJob(reset, db.sql, "2026-11-09T00:00:00Z");
  const other = postgres(db.url, { max: 2, onnotice: () => {} });
  try {
    await Promise.all([
      runJob(reset, db.sql, "2026-11-23T00:00:00Z"),
      runJob(reset, other, "2026-11-23T00:00:00Z"),
    ]);
  } finally {
    await other.end();
  }
  assert.deepEqual((await archived(db.sql)).map((a) => a[1]), [
    "2026-11-02",
    "2026-11-09",
    "2026-11-16",
  ]);
  assert.equal((await outbox(db.sql)).length, 2);
});

Deno.test("closedSince: back to the last archived period, across ISO week 53 and the new year, capped", () => {
  const days = (r: { start: Date; end: Date }[]) =>
    r.map((p) => `${p.start.toISOString().slice(0, 10)}/${p.end.toISOString().slice(0, 10)}`);
  // 2026 has an ISO week 53: Monday 28 December to Sunday 3 January
  assert.deepEqual(days(closedSince("week", new Date("2026-12-21"), new Date("2027-01-11"))), [
    "2026-12-28/2027-01-04",
    "2027-01-04/2027-01-11",
  ]);
  assert.deepEqual(days(closedSince("month", new Date("2027-12-01"), new Date("2028-03-01"))), [
    "2028-01-01/2028-02-01",
    "2028-02-01/2028-03-01", // 29 days: a leap year
  ]);
  assert.deepEqual(days(closedSince("week", new Date("2026-11-16"), new Date("2026-11-23"))), [
    "2026-11-16/2026-11-23",
  ], "a rerun: the closing period only, however recent the archive");
  const never = closedSince("month", null, new Date("2027-01-01"));
  assert.equal(never.length, MAX_CLOSED);
  assert.deepEqual(days(never).at(0), "2026-01-01/2026-02-01");
});

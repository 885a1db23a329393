/**
 * A spent protection pushes a streak's deadline 24 h per missed day (DESIGN: "pushes the
 * protected-through time 24 h"), whatever the database session's TimeZone: across a DST change
 * a calendar day of a Madrid session is 23 or 25 h.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { recordActivity } from "../domain/activity.ts";
import { streakExpiryJob } from "../domain/streak_expiry.ts";
import { testDatabase } from "./db.ts";
import { community, runJob } from "./fakes/community.ts";

// last active Thursday 26 March 12:00 UTC: the deadline is Saturday 28 March 12:00 UTC; Madrid
// moves its clocks on Sunday 29 March (02:00 → 03:00)
const LAST = "2026-03-26T12:00:00Z";

async function protectedStreak() {
  const db = await testDatabase();
  await community(db.sql, { id: -1, title: "Quizzers" }, [{ user: 1, startedBot: true }]);
  await db.sql`
    INSERT INTO streaks (chat_id, user_id, current, best, last_activity_at, protections)
    VALUES (-1, 1, 10, 12, ${LAST}, 2)`;
  // a session whose TimeZone is Madrid's (a server whose default zone is not UTC)
  const madrid = postgres(db.url, {
    max: 1,
    onnotice: () => {},
    connection: { TimeZone: "Europe/Madrid" },
  });
  return { db, madrid };
}

const until = async (sql: postgres.Sql) =>
  (await sql`SELECT protections, protected_until FROM streaks WHERE user_id = 1`).map((r) => [
    r.protections,
    r.protected_until.toISOString(),
  ])[0];

Deno.test("streak-expiry on a Madrid session across DST: two days missed push the deadline 48 h", async () => {
  const { db, madrid } = await protectedStreak();
  try {
    await runJob(streakExpiryJob(), madrid, "2026-03-30T00:00:00Z");
    assert.deepEqual(await until(db.sql), [0, "2026-03-30T12:00:00.000Z"]);
  } finally {
    await madrid.end();
    await db[Symbol.asyncDispose]();
  }
});

Deno.test("a return on a Madrid session across DST: the trigger pushes the deadline 48 h too", async () => {
  const { db, madrid } = await protectedStreak();
  try {
    await madrid.begin((tx) => recordActivity(tx, -1, 1, new Date("2026-03-29T20:00:00Z")));
    assert.deepEqual(await until(db.sql), [0, "2026-03-30T12:00:00.000Z"]);
  } finally {
    await madrid.end();
    await db[Symbol.asyncDispose]();
  }
});

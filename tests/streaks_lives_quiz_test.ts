import assert from "node:assert/strict";
import type { Sql } from "postgres";
import { syncLevels } from "../domain/levels.ts";
import { lifeRegenJob } from "../domain/life_regen.ts";
import { quizCleanupJob } from "../domain/quiz_cleanup.ts";
import { streakExpiryJob } from "../domain/streak_expiry.ts";
import { testDatabase } from "./db.ts";
import { community, outbox, runJob } from "./fakes/community.ts";

const T0 = new Date("2026-05-10T00:00:00Z");
const hours = (h: number) => new Date(T0.getTime() + h * 3_600_000);
const minutes = (m: number) => new Date(T0.getTime() + m * 60_000);

async function setup() {
  const db = await testDatabase();
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  await community(
    db.sql,
    { id: -1, title: "Quizzers" },
    [1, 2, 3, 4, 5].map((user) => ({ user, startedBot: user !== 5 })),
  );
  return db;
}

async function streak(sql: Sql, user: number, lastActivity: Date, protections = 0, current = 10) {
  await sql`INSERT INTO streaks (chat_id, user_id, current, best, last_activity_at, protections)
            VALUES (-1, ${user}, ${current}, ${current}, ${lastActivity}, ${protections})`;
}

async function streaks(sql: Sql) {
  const rows = await sql<{ user_id: number; current: number; protections: number }[]>`
    SELECT user_id, current, protections FROM streaks ORDER BY user_id`;
  return rows.map((r) => [r.user_id, r.current, r.protections]);
}

Deno.test("streak-expiry: kept at 47 h, broken at 49 h, with an event and one message", async () => {
  await using db = await setup();
  await streak(db.sql, 1, hours(-47));
  await streak(db.sql, 2, hours(-49));
  await streak(db.sql, 5, hours(-49)); // never started the bot: no message
  const job = streakExpiryJob();
  const r = await runJob(job, db.sql, T0);
  assert.deepEqual(r.details, { broken: 2, brokenOnReturn: 0, protectionsSpent: 0 });
  assert.deepEqual(await streaks(db.sql), [[1, 10, 0], [2, 0, 0], [5, 0, 0]]);
  const events = await db
    .sql`SELECT user_id, payload FROM events WHERE kind = 'streak_broken' ORDER BY user_id`;
  assert.deepEqual(events.map((e) => [e.user_id, e.payload.length]), [[2, 10], [5, 10]]);
  const sent = await outbox(db.sql);
  assert.deepEqual(sent.map((m) => m.chat_id), [2]);
  assert.match(sent[0].text, /Your 10-day streak in Quizzers has ended/);

  const again = await runJob(job, db.sql, T0);
  assert.equal(again.changed, 0, "the same slot twice: no change");
  assert.equal((await outbox(db.sql)).length, 1, "and no second message");
});

Deno.test("streak-expiry: a protection is spent once per missed day, however often the job runs; two, then a break", async () => {
  await using db = await setup();
  await streak(db.sql, 3, hours(0), 2);
  const job = streakExpiryJob();
  // Day 1 after the deadline (48 h): one protection, whatever the number of runs that day.
  for (const h of [49, 50, 60, 71]) await runJob(job, db.sql, hours(h));
  assert.deepEqual(await streaks(db.sql), [[3, 10, 1]]);
  // Day 2: the second protection.
  for (const h of [73, 80, 95]) await runJob(job, db.sql, hours(h));
  assert.deepEqual(await streaks(db.sql), [[3, 10, 0]]);
  assert.equal((await outbox(db.sql)).length, 0);
  // Day 3: nothing left, the streak breaks.
  await runJob(job, db.sql, hours(97));
  assert.deepEqual(await streaks(db.sql), [[3, 0, 0]]);
  assert.equal((await outbox(db.sql)).length, 1);
});

Deno.test("streak-expiry: a job that was down for two days spends two protections at once", async () => {
  await using db = await setup();
  await streak(db.sql, 1, hours(0), 2);
  await streak(db.sql, 2, hours(0), 1);
  await runJob(streakExpiryJob(), db.sql, hours(48 + 30)); // 2 missed days
  assert.deepEqual(await streaks(db.sql), [[1, 10, 0], [2, 0, 0]]);
});

Deno.test("life-regen: whole periods, partial progress kept, never above the max, idempotent", async () => {
  await using db = await setup();
  await db.sql`INSERT INTO lives (chat_id, user_id, current, max, last_refill_at) VALUES
    (-1, 1, 0, 5, ${minutes(-75)}),  -- 2 periods owed, 15 min of progress kept
    (-1, 2, 4, 5, ${minutes(-200)}), -- owed 6, capped at 5
    (-1, 3, 2, 5, ${minutes(-29)}),  -- nothing owed yet
    (-1, 4, 5, 5, ${minutes(-300)})  -- full`;
  const job = lifeRegenJob();
  const r = await runJob(job, db.sql, T0);
  assert.equal(r.changed, 2);
  const lives = async () =>
    (await db.sql<{ user_id: number; current: number; last_refill_at: Date }[]>`
      SELECT user_id, current, last_refill_at FROM lives ORDER BY user_id`)
      .map((l) => [l.user_id, l.current, l.last_refill_at.toISOString()]);
  assert.deepEqual(await lives(), [
    [1, 2, minutes(-15).toISOString()],
    [2, 5, T0.toISOString()],
    [3, 2, minutes(-29).toISOString()],
    [4, 5, minutes(-300).toISOString()],
  ]);
  await runJob(job, db.sql, T0);
  assert.equal((await lives())[0][1], 2, "the same slot again: nothing more");
  await runJob(job, db.sql, minutes(15));
  assert.equal((await lives())[0][1], 3, "the kept 15 minutes count towards the next life");
});

Deno.test("quiz-session-cleanup: only sessions past expires_at expire, each with a quiz_abandoned event", async () => {
  await using db = await setup();
  await db.sql`INSERT INTO quiz_sessions (chat_id, user_id, status, started_at, expires_at) VALUES
    (-1, 1, 'active', ${minutes(-20)}, ${minutes(-10)}),
    (-1, 2, 'active', ${minutes(-5)}, ${minutes(5)}),
    (-1, 3, 'completed', ${minutes(-30)}, ${minutes(-20)}),
    (-1, 4, 'active', ${minutes(-10)}, ${minutes(0)})`;
  const job = quizCleanupJob();
  const r = await runJob(job, db.sql, T0);
  assert.equal(r.changed, 1);
  const sessions = await db.sql`SELECT user_id, status FROM quiz_sessions ORDER BY user_id`;
  assert.deepEqual(sessions.map((s) => [s.user_id, s.status]), [[1, "expired"], [2, "active"], [
    3,
    "completed",
  ], [4, "active"]]);
  const events = await db.sql`SELECT user_id FROM events WHERE kind = 'quiz_abandoned'`;
  assert.deepEqual(events.map((e) => e.user_id), [1]);
  assert.equal((await runJob(job, db.sql, T0)).changed, 0);
  assert.equal((await db.sql`SELECT count(*)::int AS n FROM events`)[0].n, 1);
});

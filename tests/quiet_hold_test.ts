/**
 * A streak reminder queued just before its group's quiet hours and claimed by a slow outbox inside
 * them: held until they end (on every replica), or, its deadline passed meanwhile, dropped with a
 * reason, never sent in them.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { createLogger } from "../actors/log.ts";
import { createDelivery } from "../bot/delivery.ts";
import { claimDue, expireStale } from "../bot/outbox_claim.ts";
import { mergeChats } from "../domain/chat_merge.ts";
import { telegramLimits } from "../bot/pacer.ts";
import { streakRemindersJob } from "../domain/streak_reminders.ts";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";
import { community, runJob } from "./fakes/community.ts";

// 22:45 in Madrid (CEST), the last quarter hour before the default quiet hours (23:00–08:00).
const AT = new Date("2026-06-15T20:45:00Z");
const IN_QUIET = new Date("2026-06-15T21:05:00Z"); // 23:05 in Madrid
const QUIET_ENDS = new Date("2026-06-16T06:00:00Z"); // 08:00 in Madrid
const CHAT = -100;
const BOUNDS = { perChat: 10, perGroup: 10, total: 100 };
const claim = (sql: postgres.Sql, now: Date, token = "t") =>
  claimDue(sql, { now, token, leaseMs: 60_000, bounds: BOUNDS });

/** Two members whose streaks end at 01:45 (inside the quiet hours) and 10:00 (after them). */
async function reminded(sql: postgres.Sql) {
  await community(sql, { id: CHAT, title: "Rust Learners" }, [
    { user: 1, startedBot: true },
    { user: 2, startedBot: true },
  ]);
  await sql`UPDATE chats SET time_zone = 'Europe/Madrid' WHERE chat_id = ${CHAT}`;
  await sql`
    INSERT INTO streaks (chat_id, user_id, current, best, last_activity_at, protections)
    VALUES (${CHAT}, 1, 3, 3, '2026-06-13T23:45:00Z', 0), (${CHAT}, 2, 5, 5, '2026-06-14T08:00:00Z', 0)`;
  const r = await runJob(streakRemindersJob({ hours: 12, defaultZone: "UTC" }), sql, AT);
  assert.equal(r.changed, 2, "both queued at 22:45, before the quiet hours");
  await sql`UPDATE outbox SET due_at = ${AT}, created_at = ${AT}`; // as queued then, not now
}

Deno.test("a reminder the outbox reaches inside the quiet hours is held until they end, not sent in them", async () => {
  await using db = await testDatabase();
  await reminded(db.sql);
  const late = await claim(db.sql, IN_QUIET);
  assert.deepEqual(late.map((r) => r.chat_id), [], "nothing claimed at 23:05 in Madrid");
  const held = await db.sql`SELECT state, due_at FROM outbox ORDER BY chat_id`;
  assert.deepEqual(held.map((r) => [r.state, r.due_at.toISOString()]), [
    ["pending", QUIET_ENDS.toISOString()],
    ["pending", QUIET_ENDS.toISOString()],
  ], "both held, due when the quiet hours end");
  assert.equal((await claim(db.sql, new Date(QUIET_ENDS.getTime() - 1_000))).length, 0);

  assert.equal(await expireStale(db.sql, QUIET_ENDS), 1);
  const [dropped] = await db.sql`SELECT state, last_error FROM outbox WHERE chat_id = 1`;
  assert.equal(dropped.state, "expired");
  assert.match(dropped.last_error, /^expired: held in its group's quiet hours past its deadline/);
  const sent = await claim(db.sql, QUIET_ENDS);
  assert.deepEqual(sent.map((r) => Number(r.chat_id)), [2], "the one still ahead of its deadline");
});

Deno.test("two replicas claiming inside the quiet hours both hold the reminder; after them one sends it", async () => {
  await using db = await testDatabase();
  await reminded(db.sql);
  const other = postgres(db.url, { max: 2, onnotice: () => {} });
  try {
    const inQuiet = await Promise.all([claim(db.sql, IN_QUIET, "a"), claim(other, IN_QUIET, "b")]);
    assert.deepEqual(inQuiet.map((rows) => rows.length), [0, 0]);
    await expireStale(db.sql, QUIET_ENDS);
    const after = await Promise.all([
      claim(db.sql, QUIET_ENDS, "a"),
      claim(other, QUIET_ENDS, "b"),
    ]);
    assert.deepEqual(after.flat().map((r) => Number(r.chat_id)), [2]);
  } finally {
    await other.end();
  }
});

Deno.test("a group upgraded to a supergroup while its reminders wait: they keep the supergroup's quiet hours", async () => {
  await using db = await testDatabase();
  await reminded(db.sql);
  const SUPERGROUP = -1000100;
  await mergeChats(db.sql, CHAT, SUPERGROUP); // its settings (Madrid, 23:00–08:00) follow
  assert.deepEqual((await claim(db.sql, IN_QUIET)).map((r) => r.chat_id), [], "none sent at 23:05");
  const held = await db.sql`SELECT quiet_chat_id::text AS quiet, due_at FROM outbox`;
  assert.deepEqual(held.map((r) => [Number(r.quiet), r.due_at.toISOString()]), [
    [SUPERGROUP, QUIET_ENDS.toISOString()],
    [SUPERGROUP, QUIET_ENDS.toISOString()],
  ]);
});

Deno.test("a message with no quiet hours to keep (an admin alert) is claimed at any hour", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: CHAT, title: "Rust Learners" }, []);
  await db.sql`UPDATE chats SET time_zone = 'Europe/Madrid' WHERE chat_id = ${CHAT}`;
  await db
    .sql`INSERT INTO outbox (chat_id, text, dedupe_key, due_at) VALUES (${CHAT}, 'alert', 'a', ${AT})`;
  assert.equal((await claim(db.sql, IN_QUIET)).length, 1);
});

Deno.test("a batch claimed at 22:59:59 whose send comes after 23:00 hands the reminder back unsent; it is held", async () => {
  await using db = await testDatabase();
  await reminded(db.sql);
  const clock = fakeClock("2026-06-15T20:59:59Z"); // 22:59:59 in Madrid
  const sent: number[] = [];
  const delivery = createDelivery({
    sql: db.sql,
    clock,
    log: createLogger({ level: "silent" }),
    send: (chat) => {
      sent.push(chat);
      return Promise.resolve({ message_id: 1 });
    },
    limits: telegramLimits,
    node: "test",
  });
  const rows = await delivery.claim();
  assert.equal(rows.length, 2, "claimed a second before the quiet hours");
  await clock.advanceTo("2026-06-15T21:00:01Z"); // the batch waited: 23:00:01 in Madrid
  assert.equal(await delivery.deliver(rows, new AbortController().signal), 0);
  assert.deepEqual(sent, []);
  assert.equal((await delivery.claim()).length, 0);
  const held = await db.sql`SELECT state, due_at FROM outbox`;
  assert.deepEqual(held.map((r) => [r.state, r.due_at.toISOString()]), [
    ["pending", QUIET_ENDS.toISOString()],
    ["pending", QUIET_ENDS.toISOString()],
  ]);
});

Deno.test("quiet hours across DST: the end is read in the new offset, a skipped local end after the gap", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: CHAT, title: "Rust Learners" }, []);
  await db.sql`
    UPDATE chats SET time_zone = 'Europe/Madrid', quiet_start = '23:00', quiet_end = '08:00'
    WHERE chat_id = ${CHAT}`;
  const until = async (at: string) =>
    (await db.sql`SELECT quiet_until(${CHAT}, 'UTC', ${at}) AS u`)[0].u?.toISOString() ?? null;
  // 29 March 2026: clocks go 02:00 → 03:00; 08:00 CEST is 06:00 UTC
  assert.equal(await until("2026-03-28T23:30:00Z"), "2026-03-29T06:00:00.000Z");
  // 25 October 2026: 03:00 → 02:00; 08:00 CET is 07:00 UTC
  assert.equal(await until("2026-10-24T23:30:00Z"), "2026-10-25T07:00:00.000Z");
  assert.equal(await until("2026-10-25T07:00:00Z"), null);
  // quiet hours ending at 02:30, a time 29 March skips: read after the gap (03:30 CEST)
  await db.sql`UPDATE chats SET quiet_end = '02:30' WHERE chat_id = ${CHAT}`;
  assert.equal(await until("2026-03-28T23:30:00Z"), "2026-03-29T01:30:00.000Z");
  // and 31 December → 1 January
  await db.sql`UPDATE chats SET quiet_end = '08:00' WHERE chat_id = ${CHAT}`;
  assert.equal(await until("2026-12-31T22:30:00Z"), "2027-01-01T07:00:00.000Z");
});

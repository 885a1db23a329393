import assert from "node:assert/strict";
import postgres from "postgres";
import { duration } from "../domain/i18n.ts";
import { sqlDuration } from "../domain/job_texts.ts";
import { streakRemindersJob } from "../domain/streak_reminders.ts";
import { testDatabase } from "./db.ts";
import { community, outbox, runJob } from "./fakes/community.ts";

// 22:45 in Madrid (CEST): the last quarter hour before the default quiet hours (23:00–08:00).
const AT = new Date("2026-06-15T20:45:00Z");
const hoursBefore = (h: number, from = AT) => new Date(from.getTime() - h * 3_600_000);
const job = streakRemindersJob({ hours: 4, defaultZone: "UTC" });
const CHAT = -100;

interface Streak {
  user: number;
  current: number;
  last: Date;
  protections?: number;
  protectedUntil?: Date;
  startedBot?: boolean;
  unreachable?: boolean;
  language?: string;
}

/** A Madrid group "Rust Learners" with these members and streaks, written set-based. */
async function group(sql: postgres.Sql, streaks: Streak[]) {
  await community(
    sql,
    { id: CHAT, title: "Rust Learners" },
    streaks.map((s) => ({ user: s.user, startedBot: s.startedBot ?? true })),
  );
  await sql`UPDATE chats SET time_zone = 'Europe/Madrid' WHERE chat_id = ${CHAT}`;
  const rows = streaks.map((s) => ({
    user_id: s.user,
    current: s.current,
    last: s.last.toISOString(),
    protections: s.protections ?? 0,
    protected_until: s.protectedUntil?.toISOString() ?? null,
    unreachable: s.unreachable ?? false,
    language: s.language ?? null,
  }));
  const json = JSON.stringify(rows);
  await sql`
    INSERT INTO streaks (chat_id, user_id, current, best, last_activity_at, protections, protected_until)
    SELECT ${CHAT}, r.user_id, r.current, r.current, r.last, r.protections, r.protected_until
    FROM json_to_recordset(${json}::text::json)
      AS r(user_id bigint, current int, last timestamptz, protections int, protected_until timestamptz)`;
  await sql`
    UPDATE members m SET unreachable = r.unreachable, language_code = r.language
    FROM json_to_recordset(${json}::text::json) AS r(user_id bigint, unreachable boolean, language text)
    WHERE m.chat_id = ${CHAT} AND m.user_id = r.user_id`;
}

const texts = async (sql: postgres.Sql) =>
  (await outbox(sql)).map((r) => `${r.chat_id}: ${r.text}`);

Deno.test("streak-reminders: who is reminded, at the window's edges, in their language", async () => {
  await using db = await testDatabase();
  await group(db.sql, [
    { user: 1, current: 12, last: hoursBefore(45) }, // ends in 3 h
    { user: 2, current: 5, last: new Date(hoursBefore(44).getTime() + 1) }, // just past 4 h: later
    { user: 3, current: 3, last: hoursBefore(44) }, // exactly 4 h: the window's closed end
    { user: 4, current: 9, last: hoursBefore(45), startedBot: false }, // cannot be written to
    { user: 5, current: 9, last: hoursBefore(45), unreachable: true }, // blocked the bot
    { user: 6, current: 9, last: hoursBefore(45), protections: 1 }, // a protection will hold it
    // a spent protection holds it until 2 h from now
    {
      user: 7,
      current: 30,
      last: hoursBefore(70),
      protectedUntil: new Date(AT.getTime() + 7_200_000),
    },
    { user: 8, current: 1, last: hoursBefore(47.25), language: "es-AR" }, // 45 min, in Spanish
    { user: 9, current: 9, last: hoursBefore(48) }, // ends now: too late
  ]);
  const first = await runJob(job, db.sql, AT);
  assert.deepEqual(await texts(db.sql), [
    "1: 🔥 Your 12-day streak ends in 3 h — say something in Rust Learners to keep it.",
    "3: 🔥 Your 3-day streak ends in 4 h — say something in Rust Learners to keep it.",
    "7: 🔥 Your 30-day streak ends in 2 h — say something in Rust Learners to keep it.",
    "8: 🔥 Tu racha de 1 día termina en 45 min: escribe algo en Rust Learners para mantenerla.",
  ]);
  assert.deepEqual(first.details, { reminded: 4 });
  const [{ expires }] = await db.sql<{ expires: Date }[]>`
    SELECT expires_at AS expires FROM outbox WHERE chat_id = 1`;
  assert.equal(expires.toISOString(), "2026-06-15T23:45:00.000Z", "expires when the streak ends");

  // The chat's language wins over the member's (23:00 is quiet: this chat lets it through).
  await db.sql`UPDATE chats SET language = 'es', quiet_start = '01:00', quiet_end = '07:00'`;
  await runJob(job, db.sql, new Date(AT.getTime() + 15 * 60_000));
  assert.equal(
    (await texts(db.sql)).at(-1),
    "2: 🔥 Tu racha de 5 días termina en 3 h 45 min: escribe algo en Rust Learners para mantenerla.",
    "member 2 enters the window a quarter hour later, in the chat's Spanish",
  );
});

Deno.test("streak-reminders: a group with no title is 'your group' in the language; numbers grouped", async () => {
  await using db = await testDatabase();
  await group(db.sql, [
    { user: 1, current: 1234, last: hoursBefore(45) },
    { user: 2, current: 1500, last: hoursBefore(45), language: "es" },
  ]);
  await db.sql`UPDATE chats SET title = '', quiet_start = '00:00', quiet_end = '00:00'`;
  await runJob(job, db.sql, AT);
  assert.deepEqual(await texts(db.sql), [
    "1: 🔥 Your 1,234-day streak ends in 3 h — say something in your group to keep it.",
    "2: 🔥 Tu racha de 1.500 días termina en 3 h: escribe algo en tu grupo para mantenerla.",
  ]);
});

Deno.test("streak-reminders: once per streak-day, on a rerun, a later run and two replicas", async () => {
  await using db = await testDatabase();
  await group(db.sql, [{ user: 1, current: 12, last: hoursBefore(45) }]);
  await db.sql`UPDATE chats SET quiet_start = '00:00', quiet_end = '00:00'`; // no quiet hours
  const other = postgres(db.url, { max: 2, onnotice: () => {} });
  const both = await Promise.all([runJob(job, db.sql, AT), runJob(job, other, AT)])
    .finally(() => other.end());
  assert.equal(both[0].changed! + both[1].changed!, 1, "two replicas on one slot: one reminder");
  const again = await runJob(job, db.sql, AT);
  assert.equal(again.changed, 0, "the same slot again sends nothing");
  const later = await runJob(job, db.sql, new Date(AT.getTime() + 3_600_000));
  assert.equal(later.changed, 0, "the same streak-day an hour later: nothing");
  assert.equal((await outbox(db.sql)).length, 1);

  // The member chats the next day: a new streak-day, and a new reminder when it nears its end.
  const chatted = new Date(AT.getTime() + 2 * 3_600_000);
  await db.sql`UPDATE streaks SET current = 13, last_activity_at = ${chatted}`;
  const next = new Date(chatted.getTime() + 45 * 3_600_000);
  assert.equal((await runJob(job, db.sql, next)).changed, 1);
  assert.deepEqual((await outbox(db.sql)).map((r) => r.dedupe_key), [
    `streak-reminder:-100:1:${Date.parse("2026-06-15T23:45:00Z") / 1000}`, // the deadline
    `streak-reminder:-100:1:${Date.parse("2026-06-17T22:45:00Z") / 1000}`,
  ]);
});

Deno.test("streak-reminders: never in the chat's quiet hours, [start, end) in its zone", async () => {
  await using db = await testDatabase();
  // Ends at 10:00 Madrid on the 17th: its window 06:00–10:00 opens inside the quiet hours.
  await group(db.sql, [{ user: 1, current: 4, last: new Date("2026-06-15T08:00:00Z") }]);
  const at = (iso: string) => runJob(job, db.sql, new Date(iso));
  assert.equal((await at("2026-06-17T04:00:00Z")).changed, 0, "06:00 local: quiet");
  assert.equal((await at("2026-06-17T05:45:00Z")).changed, 0, "07:45 local: quiet");
  assert.equal((await at("2026-06-17T06:00:00Z")).changed, 1, "08:00 local: quiet hours ended");

  // A chat with other quiet hours (no wrap past midnight), read in the chat's zone.
  await db.sql`UPDATE chats SET quiet_start = '06:00', quiet_end = '09:00'`;
  await db.sql`UPDATE streaks SET last_activity_at = '2026-06-16T08:00:00Z', current = 5`;
  assert.equal((await at("2026-06-18T05:00:00Z")).changed, 0, "07:00 local: quiet");
  assert.equal((await at("2026-06-18T07:00:00Z")).changed, 1, "09:00 local: free");

  // Equal start and end: no quiet hours at all.
  await db.sql`UPDATE chats SET quiet_start = '00:00', quiet_end = '00:00'`;
  await db.sql`UPDATE streaks SET last_activity_at = '2026-06-17T03:00:00Z', current = 6`;
  assert.equal((await at("2026-06-19T00:00:00Z")).changed, 1, "02:00 local, no quiet hours");
});

Deno.test("the reminder's SQL durations say what i18n.duration says", async () => {
  await using db = await testDatabase();
  const rows = await db.sql.unsafe<{ m: number; text: string }[]>(
    `SELECT m, ${sqlDuration("m")} AS text FROM generate_series(0, 2879) m`,
  );
  for (const { m, text } of rows) assert.equal(text, duration("en", m * 60_000), `${m} min`);
});

Deno.test("streak-reminders: with STREAK_REMINDER_HOURS past a day, chatting after a reminder the same UTC day brings one for the new deadline", async () => {
  await using db = await testDatabase();
  const early = streakRemindersJob({ hours: 30, defaultZone: "UTC" });
  await group(db.sql, [{ user: 1, current: 5, last: new Date("2026-06-15T01:00:00Z") }]);
  await db.sql`UPDATE chats SET quiet_start = '00:00', quiet_end = '00:00'`; // no quiet hours
  // Ends Wednesday 01:00: its 30 h window opens Monday 19:00.
  assert.equal((await runJob(early, db.sql, "2026-06-15T19:00:00Z")).changed, 1);
  // The member chats Monday 20:00 (the same UTC day): the streak now ends Wednesday 20:00.
  await db.sql`UPDATE streaks SET last_activity_at = '2026-06-15T20:00:00Z'`;
  const next = await runJob(early, db.sql, "2026-06-16T14:00:00Z");
  assert.equal(next.changed, 1, "the new deadline is reminded of too");
  const [, second] = await db.sql<
    { expires_at: Date }[]
  >`SELECT expires_at FROM outbox ORDER BY id`;
  assert.equal(second.expires_at.toISOString(), "2026-06-17T20:00:00.000Z");
});

Deno.test("streak-reminders: a reminder queued under the old key (the last activity's UTC day) is not sent again", async () => {
  await using db = await testDatabase();
  await group(db.sql, [{ user: 1, current: 12, last: hoursBefore(45) }]);
  await db.sql`UPDATE chats SET quiet_start = '00:00', quiet_end = '00:00'`;
  await db.sql`INSERT INTO outbox (chat_id, text, dedupe_key, expires_at)
               VALUES (1, 'old', 'streak-reminder:-100:1:2026-06-13', ${hoursBefore(-3)})`;
  assert.equal((await runJob(job, db.sql, AT)).changed, 0, "the same deadline: already reminded");
});

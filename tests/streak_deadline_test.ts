/**
 * A streak past its deadline, met before `streak-expiry` (00:00 UTC) writes it: by a group
 * message, a quiz's activity, `/streak` and `/lives`; and a chat merge, which is not activity.
 * The break met on return is recorded then and said by the next `streak-expiry` run.
 */
import assert from "node:assert/strict";
import { recordActivity } from "../domain/activity.ts";
import { awardMessage } from "../domain/award.ts";
import { mergeChats } from "../domain/chat_merge.ts";
import { syncLevels } from "../domain/levels.ts";
import { streakExpiryJob } from "../domain/streak_expiry.ts";
import { testDatabase } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { serveWebhook, testBot } from "./fakes/bot.ts";
import { community, outbox, runJob } from "./fakes/community.ts";
import { groupMessage, type Person } from "./fakes/updates.ts";

const XP = { perMessage: 1, perLink: 3, perThanks: 5, maxPerMinute: 10 };
const MONDAY = "2026-05-11T00:30:00Z"; // last active; the deadline is Wednesday 00:30
const WEDNESDAY_NIGHT = new Date("2026-05-13T23:00:00Z"); // 70.5 h later: one day missed
const ben: Person = { id: 1, name: "Ben", language: "en" };

async function tenDayStreak(protections: number) {
  const db = await testDatabase();
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  await community(db.sql, { id: -1, title: "Quizzers" }, [{ user: 1, startedBot: true }]);
  await db.sql`
    INSERT INTO streaks (chat_id, user_id, current, best, last_activity_at, protections)
    VALUES (-1, 1, 10, 12, ${MONDAY}, ${protections})`;
  return db;
}
const streak = async (db: Awaited<ReturnType<typeof tenDayStreak>>, chat = -1) =>
  (await db.sql`
    SELECT current, best, protections, protected_until FROM streaks
    WHERE chat_id = ${chat} AND user_id = 1`)[0];

Deno.test("coming back 70 h later, before streak-expiry ran, starts the streak again at 1 (the best stays)", async () => {
  await using db = await tenDayStreak(0);
  await db.sql.begin((tx) => recordActivity(tx, -1, 1, WEDNESDAY_NIGHT));
  assert.deepEqual({ ...(await streak(db)) }, {
    current: 1,
    best: 12,
    protections: 0,
    protected_until: null,
  });
});

Deno.test("a group message past the deadline meets the same rule; within it, the streak goes on", async () => {
  await using db = await tenDayStreak(0);
  const chat = { id: -1, type: "supergroup", title: "Quizzers" };
  const message = (id: number, at: Date) => ({
    message_id: id,
    date: at.getTime() / 1000,
    chat,
    from: { id: 1, is_bot: false, first_name: "Ben" },
    text: "hello",
  });
  await awardMessage(db.sql, chat, message(1, WEDNESDAY_NIGHT), XP);
  assert.equal((await streak(db)).current, 1);
  await awardMessage(db.sql, chat, message(2, new Date("2026-05-14T09:00:00Z")), XP);
  assert.equal((await streak(db)).current, 2, "the next day continues it");
});

Deno.test("a protection covers the missed day: spent, the deadline a day later, the streak goes on", async () => {
  await using db = await tenDayStreak(1);
  await db.sql.begin((tx) => recordActivity(tx, -1, 1, WEDNESDAY_NIGHT));
  const s = await streak(db);
  assert.deepEqual([s.current, s.protections], [11, 0]);
  assert.equal(s.protected_until.toISOString(), "2026-05-14T00:30:00.000Z");
});

Deno.test("/streak and /lives answer as of now: a streak past its deadline is gone, an owed life is back", async () => {
  await using db = await tenDayStreak(0);
  await db.sql`
    INSERT INTO lives (chat_id, user_id, current, max, last_refill_at)
    VALUES (-1, 1, 4, 5, ${new Date(WEDNESDAY_NIGHT.getTime() - 40 * 60_000)})`;
  await using api = botApiDouble({ limits: false });
  const bot = testBot(api, db.sql, { now: () => WEDNESDAY_NIGHT });
  await bot.init();
  await using hook = serveWebhook(bot);
  const ask = async (text: string, messageId: number) => {
    await hook.post(groupMessage({ chat: -1, from: ben, text, messageId, date: WEDNESDAY_NIGHT }));
    return api.sent.at(-1)!.text;
  };
  assert.equal(await ask("/streak", 10), "No streak yet: be active today to start one.");
  assert.equal(
    await ask("/lives", 11),
    "❤️ Lives: 5 of 5.\nYou have them all.\nA quiz (/quiz, in private) costs one life; one comes back every 30 min.",
  );
});

Deno.test("a chat merge combines two streaks and continues none: the live one is kept whole", async () => {
  await using db = await tenDayStreak(0); // stale in -1 (the new chat)
  await community(db.sql, { id: -2, title: "Old group", kind: "group" }, [{ user: 1 }]);
  await db.sql`
    INSERT INTO streaks (chat_id, user_id, current, best, last_activity_at, protections)
    VALUES (-2, 1, 4, 4, ${WEDNESDAY_NIGHT}, 0)`;
  await mergeChats(db.sql, -2, -1);
  const s = await streak(db);
  assert.deepEqual([s.current, s.best], [10, 12], "the better of the two, as before");
});

const brokenEvents = async (db: Awaited<ReturnType<typeof tenDayStreak>>) =>
  (await db.sql`
    SELECT user_id, job, slot, payload FROM events WHERE kind = 'streak_broken' ORDER BY id`)
    .map((e) => ({ ...e }));

Deno.test("coming back past the deadline records the break: a streak_broken event, with no slot yet", async () => {
  await using db = await tenDayStreak(0);
  await db.sql.begin((tx) => recordActivity(tx, -1, 1, WEDNESDAY_NIGHT));
  assert.deepEqual(await brokenEvents(db), [{
    user_id: 1,
    job: "streak-expiry",
    slot: null,
    payload: {
      length: 10,
      lastActivityAt: "2026-05-11T00:30:00+00:00",
      returnedAt: "2026-05-13T23:00:00+00:00",
    },
  }]);
});

Deno.test("a return the protections cover records no break", async () => {
  await using db = await tenDayStreak(1);
  await db.sql.begin((tx) => recordActivity(tx, -1, 1, WEDNESDAY_NIGHT));
  assert.deepEqual(await brokenEvents(db), []);
});

Deno.test("streak-expiry stamps a break met on return with its slot and sends its message once", async () => {
  await using db = await tenDayStreak(0);
  await db.sql.begin((tx) => recordActivity(tx, -1, 1, WEDNESDAY_NIGHT));
  const job = streakExpiryJob();
  const slot = "2026-05-14T00:00:00Z";
  const first = await runJob(job, db.sql, slot);
  assert.deepEqual(first.details, { broken: 0, brokenOnReturn: 1, protectionsSpent: 0 });
  const [event] = await brokenEvents(db);
  assert.equal(event.slot.toISOString(), "2026-05-14T00:00:00.000Z");
  const sent = await outbox(db.sql);
  assert.deepEqual(sent.map((m) => [m.chat_id, m.text]), [[
    1,
    "💔 Your 10-day streak in Quizzers ended before you came back. Your new one has begun: keep it going!",
  ]]);
  assert.equal((await streak(db)).current, 1, "the new streak is left alone");

  const again = await runJob(job, db.sql, slot);
  assert.deepEqual(again.details, { broken: 0, brokenOnReturn: 0, protectionsSpent: 0 });
  assert.equal((await runJob(job, db.sql, "2026-05-15T00:00:00Z")).details?.brokenOnReturn, 0);
  assert.equal((await outbox(db.sql)).length, 1, "one message, however often the job runs");
});

Deno.test("a run for a slot before the return leaves its break for the next run", async () => {
  await using db = await tenDayStreak(0);
  await db.sql.begin((tx) => recordActivity(tx, -1, 1, WEDNESDAY_NIGHT));
  const job = streakExpiryJob();
  const early = await runJob(job, db.sql, "2026-05-13T00:00:00Z");
  assert.equal(early.details?.brokenOnReturn, 0);
  assert.equal((await brokenEvents(db))[0].slot, null);
  assert.equal((await runJob(job, db.sql, "2026-05-14T00:00:00Z")).details?.brokenOnReturn, 1);
});

Deno.test("the message of a break met on return is in the member's language", async () => {
  await using db = await tenDayStreak(0);
  await db.sql`UPDATE chats SET language = 'es' WHERE chat_id = -1`;
  await db.sql.begin((tx) => recordActivity(tx, -1, 1, WEDNESDAY_NIGHT));
  await runJob(streakExpiryJob(), db.sql, "2026-05-14T00:00:00Z");
  assert.deepEqual((await outbox(db.sql)).map((m) => m.text), [
    "💔 Tu racha de 10 días en Quizzers terminó antes de que volvieras. Ya empezaste una nueva: ¡mantenla!",
  ]);
});

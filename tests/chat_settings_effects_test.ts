import assert from "node:assert/strict";
import { Hono } from "hono";
import type { Update } from "./fakes/bot_api.ts";
import { createLogger } from "../actors/log.ts";
import { createBot } from "../bot/bot.ts";
import { leaderboardResetJob } from "../domain/board_reset.ts";
import { leaderboardRecalcJob, readBoard } from "../domain/boards.ts";
import { syncLevels } from "../domain/levels.ts";
import { chatSettingsRoutes } from "../routes/chat_settings.ts";
import { errorHandler } from "../routes/errors.ts";
import { testDatabase, type TestDb } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { runJob } from "./fakes/community.ts";
import { serve } from "./fakes/http.ts";
import { groupMessage, type Person } from "./fakes/updates.ts";

const XP = { perMessage: 1, perLink: 3, perThanks: 5, maxPerMinute: 10 };
const CHAT = -1001;
const TOKEN = "s3cret-admin-token-0123";
const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
const ana: Person = { id: 1, name: "Ana", username: "ana" };
const ben: Person = { id: 2, name: "Ben", username: "ben" };
const cai: Person = { id: 3, name: "Cai", username: "cai" };
const dee: Person = { id: 4, name: "Dee", username: "dee" };
const eve: Person = { id: 5, name: "Eve", username: "eve" };
const T0 = new Date("2026-06-01T10:00:00Z"); // a Monday
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

/** The bot fed real updates, and the settings API an admin uses, on one database. */
async function world(db: TestDb) {
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  const api = botApiDouble({ limits: false });
  const bot = createBot({
    token: "123456:TEST",
    apiRoot: api.apiRoot,
    sql: db.sql,
    log: createLogger({ level: "silent" }),
    xp: XP,
    adminUserIds: [],
    runtime: () => undefined,
  });
  await bot.init();
  const app = new Hono().route("/api", chatSettingsRoutes({ sql: db.sql, adminToken: TOKEN }));
  app.onError(errorHandler(createLogger({ level: "silent" })));
  const http = serve(app);
  let messageId = 100;
  /** A group message; `topic` puts it in that forum topic. Returns the update, to redeliver. */
  const say = async (
    from: Person,
    text: string,
    when: Date,
    o: { topic?: number; replyTo?: Person } = {},
  ) => {
    const u = groupMessage({
      chat: CHAT,
      from,
      text,
      messageId: ++messageId,
      date: when,
      replyTo: o.replyTo,
      title: "Forum",
    });
    const update = o.topic === undefined
      ? u
      : { ...u, message: { ...u.message, message_thread_id: o.topic, is_topic_message: true } };
    await bot.handleUpdate(update as unknown as Update);
    return update;
  };
  const settings = async (body: unknown) => {
    const r = await http.get(`/api/chats/${CHAT}/settings`, {
      method: "PATCH",
      headers,
      body: JSON.stringify(body),
    });
    return r;
  };
  const member = async (user: number) => {
    const [m] = await db.sql<
      { xp: number; messages: number; links: number; thanks: number; days: number }[]
    >`
      SELECT xp, messages_count AS messages, links_shared AS links, thanks_received AS thanks,
             days_active AS days
      FROM members WHERE chat_id = ${CHAT} AND user_id = ${user}`;
    return m;
  };
  const streak = async (user: number) =>
    (await db.sql<{ current: number }[]>`
      SELECT current FROM streaks WHERE chat_id = ${CHAT} AND user_id = ${user}`)[0]?.current ?? 0;
  return {
    bot,
    say,
    settings,
    member,
    streak,
    [Symbol.asyncDispose]: async () => {
      await http[Symbol.asyncDispose]();
      await api[Symbol.asyncDispose]();
    },
  };
}

Deno.test("the XP multiplier scales messages, links and thanks (half up, before the cap); 0 pays nothing but counts", async () => {
  await using db = await testDatabase();
  await using w = await world(db);
  await w.say(ana, "hello", at(0)); // the chat exists from its first message, multiplier 1
  assert.equal((await w.member(ana.id)).xp, 1);

  const api = await w.settings({ xpMultiplier: 2, levelUpAnnouncements: "private" });
  assert.equal(api.status, 200);
  assert.deepEqual([api.body.xpMultiplier, api.body.noXpTopics, api.body.levelUpAnnouncements], [
    2,
    [],
    "private",
  ]);
  await w.say(ana, "hello", at(120));
  assert.equal((await w.member(ana.id)).xp, 3, "a message: 1 × 2");
  await w.say(ana, "see https://example.org", at(240));
  assert.equal((await w.member(ana.id)).xp, 9, "a link: 3 × 2");

  assert.equal((await w.settings({ xpMultiplier: 0.5 })).body.xpMultiplier, 0.5);
  await w.say(ben, "hello", at(360));
  assert.equal((await w.member(ben.id)).xp, 1, "1 × 0.5 = 0.5, half up: 1");
  await w.say(ben, "see https://example.org", at(480));
  assert.equal((await w.member(ben.id)).xp, 3, "3 × 0.5 = 1.5, half up: 2");
  await w.say(cai, "thanks!", at(600), { replyTo: ben });
  assert.deepEqual(
    [(await w.member(ben.id)).xp, (await w.member(ben.id)).thanks],
    [6, 1],
    "thanks: 5 × 0.5 = 2.5, half up: 3",
  );
  assert.equal((await w.member(cai.id)).xp, 1);

  await w.settings({ xpMultiplier: 0.29 });
  await w.say(cai, "see https://example.org", at(720));
  assert.equal((await w.member(cai.id)).xp, 2, "3 × 0.29 = 0.87: 1 (exact, no float drift)");

  await w.settings({ xpMultiplier: 10 });
  await w.say(dee, "see https://example.org", at(900));
  assert.equal((await w.member(dee.id)).xp, 10, "3 × 10 = 30, capped at 10 a minute");
  await w.say(dee, "hello", at(930));
  assert.equal((await w.member(dee.id)).xp, 10, "the same minute: nothing left");
  await w.say(dee, "hello", at(961));
  assert.equal((await w.member(dee.id)).xp, 20, "the next window: 1 × 10");

  await w.settings({ xpMultiplier: 0 });
  const first = await w.say(eve, "hello https://example.org", at(1_000));
  await w.say(eve, "hello", at(1_000 + 86_400)); // the next UTC day
  await w.bot.handleUpdate(first as unknown as Update); // redelivered: still counted once
  assert.deepEqual(await w.member(eve.id), { xp: 0, messages: 2, links: 1, thanks: 0, days: 2 });
  assert.equal(await w.streak(eve.id), 2, "the streak counts days active at multiplier 0");
  const [rows] = await db.sql<{ n: number; sum: number }[]>`
    SELECT count(*)::int AS n, coalesce(sum(amount), 0)::int AS sum FROM xp_ledger
    WHERE chat_id = ${CHAT} AND user_id = ${eve.id}`;
  assert.deepEqual({ ...rows }, { n: 2, sum: 0 }, "one 0-XP row per message, binding it");

  const refused = await w.settings({ xpMultiplier: 1.005, noXpTopics: [3] });
  assert.equal(refused.status, 400);
  assert.match(refused.body.error, /xpMultiplier: expected at most 2 decimals/);
  const kept = await w.settings({});
  assert.deepEqual([kept.body.xpMultiplier, kept.body.noXpTopics], [0, []], "nothing changed");
});

Deno.test("a no-XP forum topic pays nothing (thanks included) but counts; other topics pay", async () => {
  await using db = await testDatabase();
  await using w = await world(db);
  await w.say(ana, "hello", at(0));
  const set = await w.settings({ noXpTopics: [7, 9] });
  assert.deepEqual(set.body.noXpTopics, [7, 9]);

  await w.say(ben, "hello https://example.org", at(120), { topic: 7 });
  assert.deepEqual(await w.member(ben.id), { xp: 0, messages: 1, links: 1, thanks: 0, days: 1 });
  assert.equal(await w.streak(ben.id), 1, "the activity keeps the streak");
  await w.say(ben, "hello https://example.org", at(240), { topic: 8 });
  assert.equal((await w.member(ben.id)).xp, 3, "topic 8 pays");
  await w.say(ben, "hello", at(360));
  assert.equal((await w.member(ben.id)).xp, 4, "the General topic (no thread id) pays");

  await w.say(cai, "thank you", at(480), { topic: 9, replyTo: ana });
  assert.deepEqual(
    [(await w.member(ana.id)).xp, (await w.member(ana.id)).thanks],
    [1, 1],
    "a thank-you in a no-XP topic: counted, no XP",
  );
  await w.say(dee, "thank you", at(600), { topic: 8, replyTo: ana });
  assert.equal((await w.member(ana.id)).xp, 6, "a thank-you elsewhere pays 5");

  await w.settings({ noXpTopics: [], xpMultiplier: 2 });
  await w.say(ben, "hello", at(720), { topic: 7 });
  assert.equal((await w.member(ben.id)).xp, 6, "topic 7 pays again once removed, × 2");
});

Deno.test("a hidden member is off every board after a recalc, ranked around, and back once shown", async () => {
  await using db = await testDatabase();
  await using w = await world(db);
  await w.say(ana, "see https://example.org", at(0)); // 3
  await w.say(ben, "hello", at(10));
  await w.say(ben, "hello", at(20)); // 2
  await w.say(cai, "hello", at(30)); // 1
  const NOW = "2026-06-01T12:00:00Z";
  const boards = async () => {
    const out: Record<string, Array<[number, number, number]>> = {};
    for (const period of ["all", "month", "week", "day"] as const) {
      out[period] = (await readBoard(db.sql, CHAT, period, 100)).entries
        .map((e) => [e.rank, e.userId, e.score]);
    }
    return out;
  };
  const everywhere = (entries: Array<[number, number, number]>) => ({
    all: entries,
    month: entries,
    week: entries,
    day: entries,
  });
  await runJob(leaderboardRecalcJob(), db.sql, NOW);
  assert.deepEqual(await boards(), everywhere([[1, 1, 3], [2, 2, 2], [3, 3, 1]]));

  await db.sql`UPDATE members SET hidden = true WHERE chat_id = ${CHAT} AND user_id = ${ana.id}`;
  await w.say(ana, "hello", at(40)); // still earning while hidden
  await runJob(leaderboardRecalcJob(), db.sql, NOW);
  assert.deepEqual(await boards(), everywhere([[1, 2, 2], [2, 3, 1]]), "Ana off, the rest move up");
  assert.equal((await w.member(ana.id)).xp, 4);

  // The week's final board, archived and announced, leaves her off too.
  await runJob(leaderboardResetJob("week"), db.sql, "2026-06-08T00:00:00Z");
  const archive = await db.sql<{ user_id: number; rank: number }[]>`
    SELECT user_id, rank FROM leaderboard_archive WHERE chat_id = ${CHAT} ORDER BY position`;
  assert.deepEqual(archive.map((a) => [a.rank, Number(a.user_id)]), [[1, 2], [2, 3]]);
  const [winners] = await db.sql<{ text: string }[]>`SELECT text FROM outbox
    WHERE dedupe_key LIKE 'board-winners:%'`;
  assert.doesNotMatch(winners.text, /Ana/);

  await db.sql`UPDATE members SET hidden = false WHERE chat_id = ${CHAT} AND user_id = ${ana.id}`;
  await runJob(leaderboardRecalcJob(), db.sql, NOW);
  assert.deepEqual(await boards(), everywhere([[1, 1, 4], [2, 2, 2], [3, 3, 1]]), "back");
});

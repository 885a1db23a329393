/**
 * Messages whose "reply" is not to a member: in a forum topic every message replies to the
 * topic's creation, and a linked channel's posts arrive in its discussion group from Telegram
 * itself (777000). Neither pays the topic's creator, nor makes Telegram a member that earns XP.
 */
import assert from "node:assert/strict";
import { syncLevels } from "../domain/levels.ts";
import { testDatabase, type TestDb } from "./db.ts";
import { botApiDouble, type Update } from "./fakes/bot_api.ts";
import { testBot } from "./fakes/bot.ts";

const CHAT = -1002;
const DATE = Math.floor(new Date("2026-06-01T10:00:00Z").getTime() / 1000);
const boss = { id: 10, is_bot: false, first_name: "Boss", username: "boss" };
const ana = { id: 11, is_bot: false, first_name: "Ana", username: "ana" };
const ben = { id: 12, is_bot: false, first_name: "Ben", username: "ben", language_code: "es" };
const telegram = { id: 777000, is_bot: false, first_name: "Telegram" };
const chat = { id: CHAT, type: "supergroup", title: "Forum", is_forum: true };
/** The topic's creation, as Telegram repeats it in `reply_to_message` of its every message. */
const topic = {
  message_id: 400,
  date: DATE - 60,
  chat,
  from: boss,
  message_thread_id: 400,
  forum_topic_created: { name: "Off-topic", icon_color: 7322096 },
  is_topic_message: true,
};
const post = {
  message_id: 500,
  date: DATE - 30,
  chat,
  from: telegram,
  sender_chat: { id: -1003, type: "channel", title: "News" },
  is_automatic_forward: true,
  text: "New release: https://example.com/release",
  entities: [{ type: "url", offset: 13, length: 27 }],
};

async function world(db: TestDb) {
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  const api = botApiDouble({ limits: false });
  const bot = testBot(api, db.sql, { now: () => new Date(DATE * 1000) });
  await bot.init();
  let updateId = 1;
  const send = (message: Record<string, unknown>) =>
    bot.handleUpdate({ update_id: updateId++, message } as unknown as Update);
  const members = async () =>
    Object.fromEntries(
      (await db.sql<{ user_id: number; xp: number }[]>`
        SELECT user_id, xp FROM members WHERE chat_id = ${CHAT} ORDER BY user_id`)
        .map((m) => [m.user_id, m.xp]),
    );
  return { api, send, members };
}

Deno.test("a thanks inside a forum topic pays nobody: the topic's creator is not its addressee", async () => {
  await using db = await testDatabase();
  const w = await world(db);
  await using _api = w.api;
  const inTopic = { chat, message_thread_id: 400, is_topic_message: true, reply_to_message: topic };
  await w.send({ ...inTopic, message_id: 401, date: DATE, from: ana, text: "thanks everyone!" });
  await w.send({ ...inTopic, message_id: 402, date: DATE + 1, from: ben, text: "gracias a todos" });
  assert.deepEqual(await w.members(), { [ana.id]: 1, [ben.id]: 1 }, "Boss is paid nothing");
  const thanks = await db.sql`SELECT user_id FROM xp_ledger WHERE reason = 'thanks'`;
  assert.deepEqual([...thanks], []);

  // a real reply inside the topic still thanks its author
  await w.send({
    ...inTopic,
    message_id: 403,
    date: DATE + 2,
    from: ana,
    text: "thanks!",
    reply_to_message: { message_id: 402, date: DATE + 1, chat, from: ben, text: "gracias" },
  });
  assert.deepEqual(await w.members(), { [ana.id]: 2, [ben.id]: 6 });
});

Deno.test("a linked channel's posts earn Telegram (777000) nothing, and thanking one pays nobody", async () => {
  await using db = await testDatabase();
  const w = await world(db);
  await using _api = w.api;
  for (let i = 0; i < 3; i++) await w.send({ ...post, message_id: 500 + i, date: DATE + i });
  assert.deepEqual(await w.members(), {}, "Telegram is not a member");
  await w.send({
    chat,
    message_id: 510,
    date: DATE + 10,
    from: ana,
    text: "thanks for the news",
    reply_to_message: post,
  });
  assert.deepEqual(await w.members(), { [ana.id]: 1 });
  const [row] = await db.sql`SELECT count(*)::int AS n FROM members WHERE user_id = 777000`;
  assert.equal(row.n, 0, "no member row for Telegram anywhere");
});

/**
 * Whose profile `/profile` shows, through the webhook and the Bot API double: the asker's in a
 * forum topic (not the topic creator's), a text mention's member, a refusal for a bare word, and
 * in private the named member's profile in a group the asker shares with them.
 */
import assert from "node:assert/strict";
import { testDatabase } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { serveWebhook, testBot } from "./fakes/bot.ts";
import { community } from "./fakes/community.ts";
import { groupMessage, type Person, privateMessage } from "./fakes/updates.ts";

const NOW = new Date("2026-06-10T12:00:00Z");
const ana: Person = { id: 1, name: "Ana", username: "ana", language: "en" };
const ben: Person = { id: 2, name: "Ben", username: "ben", language: "en" };
/** A member without a username: reachable only by a text mention. */
const cleo: Person = { id: 3, name: "Cleo", language: "es" };
const GROUP = -100, OTHER = -200, ANAS = -300, BENS = -400;
const user = (p: Person) => ({ id: p.id, is_bot: false, first_name: p.name });

async function setup() {
  const db = await testDatabase();
  await community(db.sql, { id: GROUP, title: "Rust Learners" }, [
    { user: ana.id, name: "Ana", xp: 111 },
    { user: ben.id, name: "Ben", xp: 222 },
    { user: cleo.id, name: "Cleo", xp: 333 },
  ]);
  await community(db.sql, { id: OTHER, title: "Book club" }, [
    { user: ana.id, name: "Ana", xp: 444 },
    { user: ben.id, name: "Ben", xp: 555 },
    { user: cleo.id, name: "Cleo", xp: 666 },
  ]);
  await community(db.sql, { id: ANAS, title: "Ana's chess" }, [{ user: ana.id, name: "Ana" }]);
  await community(db.sql, { id: BENS, title: "Ben's band" }, [{ user: ben.id, name: "Ben" }]);
  await db.sql`UPDATE members SET username = 'ana' WHERE user_id = ${ana.id}`;
  await db.sql`UPDATE members SET username = 'ben' WHERE user_id = ${ben.id}`;
  const api = botApiDouble({ limits: false });
  const bot = testBot(api, db.sql, { now: () => NOW });
  await bot.init();
  const hook = serveWebhook(bot);
  let id = 500;
  /** Posts a group message (`extra` merged into it) and returns the bot's one answer. */
  async function say(from: Person, text: string, extra: Record<string, unknown> = {}) {
    const before = api.sent.length;
    const update = groupMessage({ chat: GROUP, from, text, messageId: ++id, date: NOW });
    Object.assign(update.message, extra);
    await hook.post(update);
    assert.equal(api.sent.length, before + 1, `one answer to ${text}`);
    return String(api.sent.at(-1)!.text);
  }
  /** Posts a private message (`extra` merged into it); the bot's answer's parameters. */
  async function dm(from: Person, text: string, extra: Record<string, unknown> = {}) {
    const before = api.sent.length;
    const update = privateMessage({ from, text, messageId: ++id, date: NOW });
    Object.assign(update.message, extra);
    await hook.post(update);
    assert.equal(api.sent.length, before + 1, `one answer to ${text}`);
    return api.calls.filter((c) => c.method === "sendMessage").at(-1)!.params;
  }
  /** Presses a button of the bot's last private message to `from`; the edited text. */
  async function press(from: Person, data: string) {
    await hook.post({
      update_id: ++id,
      callback_query: {
        id: `cb-${id}`,
        from: { ...user(from), language_code: from.language },
        chat_instance: "ci",
        data,
        message: {
          message_id: api.sent.at(-1)!.message_id,
          date: Math.floor(NOW.getTime() / 1000),
          chat: { id: from.id, type: "private", first_name: from.name },
          text: "Which group?",
        },
      },
    });
    return String(api.calls.filter((c) => c.method === "editMessageText").at(-1)!.params.text);
  }
  return {
    say,
    dm,
    press,
    async [Symbol.asyncDispose]() {
      await hook[Symbol.asyncDispose]();
      await api.close();
      await db.close();
    },
  };
}

Deno.test("/profile in a forum topic is the asker's, not the topic creator's; a reply there is the replied member's", async () => {
  await using g = await setup();
  const topic = {
    message_id: 77,
    message_thread_id: 77,
    date: Math.floor(NOW.getTime() / 1000) - 3600,
    chat: { id: GROUP, type: "supergroup", title: "Rust Learners", is_forum: true },
    from: user(ana),
    forum_topic_created: { name: "Lifetimes", icon_color: 7322096 },
  };
  const inTopic = { is_topic_message: true, message_thread_id: 77, reply_to_message: topic };
  assert.match(await g.say(ben, "/profile", inTopic), /^👤 Ben \(@ben\)\nLevel 1 · 222 XP\n/);
  // the same, had Telegram left the service field off: the reply is the topic's first message
  const bare = { ...topic, forum_topic_created: undefined };
  assert.match(
    await g.say(ben, "/profile", { ...inTopic, reply_to_message: bare }),
    /^👤 Ben \(@ben\)\n/,
  );
  const anasPost = { ...topic, message_id: 90, forum_topic_created: undefined, text: "hi" };
  assert.match(
    await g.say(ben, "/profile", { ...inTopic, reply_to_message: anasPost }),
    /^👤 Ana \(@ana\)\nLevel 1 · 111 XP\n/,
    "a real reply inside the topic names whom it replies to",
  );
});

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
  await community(db.sql, { id: BENS, title: "Ben's band" }, [
    { user: ben.id, name: "Ben" },
    { user: 4, name: "Dan" },
  ]);
  await db.sql`UPDATE members SET username = 'dan' WHERE user_id = 4`;
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

/** A text mention of `who` right after `/profile ` in `text`. */
const mentionOf = (who: Person, text: string) => ({
  entities: [
    { type: "bot_command", offset: 0, length: 8 },
    { type: "text_mention", offset: 9, length: text.length - 9, user: user(who) },
  ],
});
type Keyboard = { inline_keyboard: { text: string; callback_data: string }[][] };
const buttonsOf = (params: Record<string, unknown>) =>
  (params.reply_markup as Keyboard).inline_keyboard.flat();

Deno.test("/profile names a member by a text mention; a bare word is not taken for yourself", async () => {
  await using g = await setup();
  assert.match(
    await g.say(ben, "/profile Cleo", mentionOf(cleo, "/profile Cleo")),
    /^👤 Cleo\nLevel 1 · 333 XP\n/,
  );
  const bare = await g.say(ben, "/profile ana");
  assert.doesNotMatch(bare, /👤/, "not Ben's own profile");
  assert.equal(
    bare,
    "“ana” names no member: send /profile for yours, /profile @username for a member's, or /profile as a reply to their message.",
  );
  assert.match(await g.say(cleo, "/profile ben"), /^«ben» no nombra a ningún miembro/);
  assert.match(await g.say(ana, "/profile @ben"), /^👤 Ben \(@ben\)\n/, "@username still works");
});

Deno.test("private /profile @user: the groups shared with that member, and the button shows theirs", async () => {
  await using g = await setup();
  const choice = await g.dm(ben, "/profile @ana");
  assert.equal(choice.text, "Which group?");
  const buttons = buttonsOf(choice);
  assert.deepEqual(
    buttons.map((b) => b.text),
    ["Book club", "Rust Learners"],
    "shared groups only",
  );
  for (const b of buttons) assert.ok(new TextEncoder().encode(b.callback_data).length <= 64);
  assert.match(
    await g.press(ben, buttons[1].callback_data),
    /^👤 Ana \(@ana\) · in Rust Learners\nLevel 1 · 111 XP\n/,
  );
  assert.match(
    await g.press(ben, buttons[0].callback_data),
    /^👤 Ana \(@ana\) · in Book club\nLevel 1 · 444 XP\n/,
  );

  // a text mention in private: Cleo, in the groups Ana shares with her
  const mention = await g.dm(ana, "/profile Cleo", mentionOf(cleo, "/profile Cleo"));
  const cleos = buttonsOf(mention);
  assert.deepEqual(cleos.map((b) => b.text), ["Book club", "Rust Learners"]);
  assert.match(
    await g.press(ana, cleos[0].callback_data),
    /^👤 Cleo · in Book club\nLevel 1 · 666 XP\n/,
  );

  // one shared group answers at once; none says so; a bare word is refused
  assert.match(
    String((await g.dm(ben, "/profile @dan")).text),
    /^👤 Dan \(@dan\) · in Ben's band\n/,
  );
  assert.equal(
    (await g.dm(ben, "/profile @nobody")).text,
    "@nobody has no profile in any of your groups.",
  );
  assert.match(String((await g.dm(ben, "/profile ana")).text), /^“ana” names no member/);

  // a forged button for a group the asker is not in shows nothing of it
  const forged = buttons[1].callback_data.replace(String(GROUP), String(ANAS));
  assert.equal(await g.press(ben, forged), "You are not a member of that group.");
  // an old button (no member in it) still shows the asker's own
  assert.match(await g.press(ben, `pick:profile:${BENS}`), /^👤 Ben \(@ben\) · in Ben's band\n/);
});

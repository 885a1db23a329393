// Hostile updates on the real webhook: anonymous admins, channels, forwards, migrations, replays.
import assert from "node:assert/strict";
import { testDatabase, type TestDb } from "./db.ts";
import { type BotApiDouble, botApiDouble } from "./fakes/bot_api.ts";
import type { Person } from "./fakes/updates.ts";
import { webhookApp } from "./fakes/webhook_app.ts";

const SECRET = "hostile-secret";
const ana: Person = { id: 11, name: "Ana", username: "ana" };
const ben: Person = { id: 12, name: "Ben", username: "ben" };
const t0 = new Date("2026-06-01T10:00:00Z");
const T = Math.floor(t0.getTime() / 1000);

/** The app with its webhook; `post` answers the status alone. */
function app(db: TestDb, api: BotApiDouble) {
  const w = webhookApp(db, api, { secret: SECRET, secretToken: SECRET, node: "h" });
  return {
    post: async (body: unknown) => (await w.post(body)).status,
    logs: w.logs,
    [Symbol.asyncDispose]: () => w[Symbol.asyncDispose](),
  };
}

const members = async (db: TestDb) =>
  (await db.sql`SELECT chat_id, user_id, xp FROM members ORDER BY chat_id, user_id`).map((m) =>
    `${m.chat_id}/${m.user_id}:${m.xp}`
  );

const user = (p: Person) => ({ id: p.id, is_bot: false, first_name: p.name, username: p.username });
let nextUpdate = 1;
/** A message in `chat` as the Bot API sends it; `extra` overrides or adds fields. */
const message = (
  chat: { id: number; type: string },
  id: number,
  from: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) => ({
  update_id: nextUpdate++,
  message: {
    message_id: id,
    date: T,
    chat: { ...chat, title: "G" },
    from,
    text: "hello",
    ...extra,
  },
});
const ledgerGaps = (db: TestDb) =>
  db.sql`
    SELECT m.chat_id, m.user_id FROM members m
    WHERE m.xp <> (SELECT coalesce(sum(amount), 0) FROM xp_ledger l
                   WHERE l.chat_id = m.chat_id AND l.user_id = m.user_id)`;

Deno.test("a group's message that arrives after its upgrade to a supergroup is paid there once, late or delivered again", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  await using a = app(db, api);
  const group = { id: -300, type: "group" };
  const supergroup = { id: -1_000_000_300, type: "supergroup" };
  const first = message(group, 1, user(ana));
  assert.equal(await a.post(first), 200);
  const { text: _, ...service } = message(group, 2, user(ana)).message;
  assert.equal(
    await a.post({
      update_id: nextUpdate++,
      message: { ...service, migrate_to_chat_id: supergroup.id },
    }),
    200,
  );
  assert.deepEqual(await members(db), [`${supergroup.id}/11:1`]);
  // the first message again (a new update, as a retry of Telegram's), then one sent before the
  // upgrade that arrives only now, then the supergroup's own messages 1 (a link: 3 XP) and 3
  assert.equal(await a.post({ ...first, update_id: nextUpdate++ }), 200);
  assert.equal(await a.post(message(group, 3, user(ana))), 200);
  assert.equal(await a.post(message(supergroup, 1, user(ana), { text: "https://x.org" })), 200);
  assert.equal(await a.post(message(supergroup, 3, user(ana))), 200);
  assert.deepEqual(
    await members(db),
    [`${supergroup.id}/11:6`],
    "1 + 1 from the group, 3 + 1 here",
  );
  assert.equal((await db.sql`SELECT 1 FROM chats WHERE chat_id = ${group.id}`).length, 0);
  assert.equal((await ledgerGaps(db)).length, 0, "every balance is its ledger");
});

Deno.test("thanks @username pays the member who holds that name now, not also the one who had it", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  await using a = app(db, api);
  const chat = { id: -400, type: "supergroup" };
  const carl: Person = { id: 13, name: "Carl", username: "carl" };
  assert.equal(await a.post(message(chat, 1, user(ben))), 200);
  // Ben became @benny without a word since; Carl took @ben and spoke
  assert.equal(await a.post(message(chat, 2, user({ ...carl, username: "ben" }))), 200);
  const thanks = { text: "thanks @BEN", entities: [{ type: "mention", offset: 7, length: 4 }] };
  assert.equal(await a.post(message(chat, 3, user(ana), thanks)), 200);
  assert.deepEqual(await members(db), [`${chat.id}/11:1`, `${chat.id}/12:1`, `${chat.id}/13:6`]);
  // and when Ben speaks as @ben again (Carl let it go), the thanks go to Ben alone
  assert.equal(await a.post(message(chat, 4, user(ben))), 200);
  const later = {
    ...message(chat, 5, user(ana), thanks),
    message: { ...message(chat, 5, user(ana), thanks).message, date: T + 3600 },
  };
  assert.equal(await a.post(later), 200);
  assert.deepEqual(await members(db), [`${chat.id}/11:2`, `${chat.id}/12:7`, `${chat.id}/13:6`]);
  assert.equal((await ledgerGaps(db)).length, 0, "every balance is its ledger");
});

Deno.test("a no-XP topic is a forum topic: a reply thread with the same id outside a forum pays", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  await using a = app(db, api);
  const chat = { id: -500, type: "supergroup" };
  assert.equal(await a.post(message(chat, 7, user(ben))), 200);
  await db.sql`UPDATE chats SET no_xp_topics = '{7}' WHERE chat_id = ${chat.id}`;
  // a reply to message 7 in a group without topics: Telegram names its reply thread 7
  const reply = { message_thread_id: 7, reply_to_message: { message_id: 7, date: T, chat } };
  assert.equal(await a.post(message(chat, 8, user(ana), reply)), 200);
  // in the forum topic 7 itself nothing is paid
  const inTopic = { message_thread_id: 7, is_topic_message: true };
  assert.equal(await a.post(message(chat, 9, user(ben), inTopic)), 200);
  assert.deepEqual(await members(db), [`${chat.id}/11:1`, `${chat.id}/12:1`]);
});

Deno.test("a group merged into its supergroup leaves a @username with the supergroup's member who holds it", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  await using a = app(db, api);
  const group = { id: -600, type: "group" };
  const supergroup = { id: -1_000_000_600, type: "supergroup" };
  const carl: Person = { id: 13, name: "Carl", username: "ben" }; // Ben was @ben in the group
  assert.equal(await a.post(message(group, 1, user(ben))), 200);
  assert.equal(await a.post(message(supergroup, 1, user(carl))), 200);
  const { text: _, ...service } = message(group, 2, user(ana)).message;
  const upgrade = { ...service, migrate_to_chat_id: supergroup.id };
  assert.equal(await a.post({ update_id: nextUpdate++, message: upgrade }), 200);
  const thanks = { text: "thanks @ben", entities: [{ type: "mention", offset: 7, length: 4 }] };
  assert.equal(await a.post(message(supergroup, 2, user(ana), thanks)), 200);
  assert.deepEqual(await members(db), [
    `${supergroup.id}/11:1`,
    `${supergroup.id}/12:1`,
    `${supergroup.id}/13:6`,
  ]);
});

Deno.test("a group upgraded before the bot saw a word of it: its late message is paid in the supergroup", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  await using a = app(db, api);
  const group = { id: -700, type: "group" };
  const supergroup = { id: -1_000_000_700, type: "supergroup" };
  const { text: _, ...service } = message(supergroup, 1, user(ana)).message;
  const upgraded = { ...service, migrate_from_chat_id: group.id };
  assert.equal(await a.post({ update_id: nextUpdate++, message: upgraded }), 200);
  assert.equal(await a.post(message(group, 5, user(ana))), 200);
  assert.deepEqual(await members(db), [`${supergroup.id}/11:1`]);
});

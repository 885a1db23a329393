// The webhook's short way for plain group messages (routes/telegram.ts, bot/bot.ts `payOnly`):
// only the award reads them, so they are paid without grammY's update handling; everything
// else still goes through the bot.
import assert from "node:assert/strict";
import { testDatabase } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { serveWebhook, testBot } from "./fakes/bot.ts";
import { groupMessage, type Person } from "./fakes/updates.ts";

const ana = { id: 11, name: "Ana", username: "ana" };
const bo = { id: 12, name: "Bo" };
const t0 = new Date("2026-06-01T10:00:00Z");

Deno.test("plain group messages are paid without grammY's update handling; commands and replies to the bot still go through it", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  const bot = testBot(api, db.sql);
  let handled = 0;
  const handleUpdate = bot.handleUpdate.bind(bot);
  bot.handleUpdate = (update, webhook) => {
    handled++;
    return handleUpdate(update, webhook);
  };
  await using webhook = serveWebhook(bot);
  // Answered 200, or serveWebhook's post throws.
  const say = (from: Person, text: string, messageId: number, replyTo?: Person) =>
    webhook.post(groupMessage({ chat: -500, from, text, messageId, date: t0, replyTo }));

  await say(ana, "hello", 1);
  await say(bo, "thanks!", 2, ana);
  await say(ana, "see https://example.org", 3);
  assert.equal(handled, 0, "plain messages and thank-yous: the award only");
  const xp = await db.sql<{ user_id: number; xp: number }[]>`
    SELECT user_id::int, xp FROM members WHERE chat_id = -500 ORDER BY user_id`;
  assert.deepEqual(xp.map((m) => [m.user_id, m.xp]), [[ana.id, 1 + 5 + 3], [bo.id, 1]]);

  await say(ana, "/rank", 4);
  assert.equal(handled, 1, "a command goes through the bot");
  await say(ana, "hello", 1); // a redelivery
  assert.equal(handled, 1);
  const [{ ledger }] = await db.sql<{ ledger: number }[]>`
    SELECT count(*)::int AS ledger FROM xp_ledger WHERE chat_id = -500`;
  assert.equal(ledger, 4, "the redelivery paid nothing");
});

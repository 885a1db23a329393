// The webhook's short way for plain group messages (routes/telegram.ts, bot/bot.ts `payOnly`):
// only the award reads them, so they are paid without grammY's update handling; everything
// else still goes through the bot.
import assert from "node:assert/strict";
import { Hono } from "hono";
import { createLogger } from "../actors/log.ts";
import { createBot } from "../bot/bot.ts";
import { telegramRoutes } from "../routes/telegram.ts";
import { testDatabase } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { serve } from "./fakes/http.ts";
import { groupMessage, type Person } from "./fakes/updates.ts";

const XP = { perMessage: 1, perLink: 3, perThanks: 5, maxPerMinute: 10 };
const SECRET = "fast-path-secret";
const ana = { id: 11, name: "Ana", username: "ana" };
const bo = { id: 12, name: "Bo" };
const t0 = new Date("2026-06-01T10:00:00Z");

Deno.test("plain group messages are paid without grammY's update handling; commands and replies to the bot still go through it", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  const log = createLogger({ level: "warn", write: () => {} });
  const bot = createBot({
    token: "123456:TEST",
    apiRoot: api.apiRoot,
    sql: db.sql,
    log,
    xp: XP,
    adminUserIds: [],
    runtime: () => undefined,
  });
  let handled = 0;
  const handleUpdate = bot.handleUpdate.bind(bot);
  bot.handleUpdate = (update, webhook) => {
    handled++;
    return handleUpdate(update, webhook);
  };
  const app = new Hono().route("/telegram", telegramRoutes({ bot, secretToken: SECRET, log }));
  await using http = serve(app);
  const post = async (update: unknown) => {
    const res = await fetch(`${http.base}/telegram/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
      body: JSON.stringify(update),
    });
    await res.body?.cancel();
    return res.status;
  };
  const say = (from: Person, text: string, messageId: number, replyTo?: Person) =>
    post(groupMessage({ chat: -500, from, text, messageId, date: t0, replyTo }));

  assert.equal(await say(ana, "hello", 1), 200);
  assert.equal(await say(bo, "thanks!", 2, ana), 200);
  assert.equal(await say(ana, "see https://example.org", 3), 200);
  assert.equal(handled, 0, "plain messages and thank-yous: the award only");
  const xp = await db.sql<{ user_id: number; xp: number }[]>`
    SELECT user_id::int, xp FROM members WHERE chat_id = -500 ORDER BY user_id`;
  assert.deepEqual(xp.map((m) => [m.user_id, m.xp]), [[ana.id, 1 + 5 + 3], [bo.id, 1]]);

  assert.equal(await say(ana, "/rank", 4), 200);
  assert.equal(handled, 1, "a command goes through the bot");
  assert.equal(await say(ana, "hello", 1), 200, "a redelivery");
  assert.equal(handled, 1);
  const [{ ledger }] = await db.sql<{ ledger: number }[]>`
    SELECT count(*)::int AS ledger FROM xp_ledger WHERE chat_id = -500`;
  assert.equal(ledger, 4, "the redelivery paid nothing");
});

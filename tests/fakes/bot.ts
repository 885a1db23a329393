import type { Bot } from "grammy";
import { Hono } from "hono";
import type postgres from "postgres";
import { createLogger } from "../../actors/log.ts";
import { type BotDeps, createBot } from "../../bot/bot.ts";
import { telegramRoutes } from "../../routes/telegram.ts";
import type { BotApiDouble } from "./bot_api.ts";
import { serve } from "./http.ts";

/** The XP amounts the bot tests use (the defaults of seed 003). */
export const TEST_XP = { perMessage: 1, perLink: 3, perThanks: 5, maxPerMinute: 10 };

/** The real grammY bot on `sql`, talking to the double; `over` changes any dependency. */
export function testBot(api: BotApiDouble, sql: postgres.Sql, over: Partial<BotDeps> = {}) {
  return createBot({
    token: "123456:TEST",
    apiRoot: api.apiRoot,
    sql,
    log: createLogger({ level: "silent" }),
    xp: TEST_XP,
    adminUserIds: [],
    runtime: () => undefined,
    ...over,
  });
}

/**
 * `bot` behind the real webhook route on loopback; `post` delivers an update as Telegram does
 * (with the secret header) and checks it was answered 200.
 */
export function serveWebhook(bot: Bot, secretToken = "webhook-secret-123") {
  const http = serve(
    new Hono().route(
      "/telegram",
      telegramRoutes({ bot, secretToken, log: createLogger({ level: "silent" }) }),
    ),
  );
  return {
    async post(update: unknown) {
      const res = await fetch(`${http.base}/telegram/webhook`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-telegram-bot-api-secret-token": secretToken,
        },
        body: JSON.stringify(update),
      });
      await res.body?.cancel();
      if (res.status !== 200) throw new Error(`the webhook answered ${res.status}`);
    },
    [Symbol.asyncDispose]: () => http[Symbol.asyncDispose](),
  };
}

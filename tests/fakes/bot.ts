import type postgres from "postgres";
import { createLogger } from "../../actors/log.ts";
import { type BotDeps, createBot } from "../../bot/bot.ts";
import type { BotApiDouble } from "./bot_api.ts";

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

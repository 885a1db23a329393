import { Bot } from "grammy";
import type postgres from "postgres";
import type { Logger } from "../actors/log.ts";
import type { Runtime } from "../actors/runtime.ts";
import { awardMessage } from "./award.ts";
import { commands } from "./commands.ts";
import type { XpAmounts } from "./xp_rules.ts";

export interface BotDeps {
  token: string;
  apiRoot?: string;
  sql: postgres.Sql;
  log: Logger;
  xp: XpAmounts;
  adminUserIds: readonly number[];
  runtime: () => Runtime | undefined;
}

/** The grammY bot: XP from group messages, member and admin commands. Nothing starts here. */
export function createBot(deps: BotDeps): Bot {
  const bot = new Bot(deps.token, { client: deps.apiRoot ? { apiRoot: deps.apiRoot } : undefined });
  bot.use(commands({ sql: deps.sql, runtime: deps.runtime, adminUserIds: deps.adminUserIds }));
  bot.chatType(["group", "supergroup"]).on("message", async (ctx) => {
    const outcome = await awardMessage(deps.sql, ctx.chat, ctx.message, deps.xp);
    if (outcome.duplicate) {
      deps.log.debug("update seen before: no XP paid twice", { chat: ctx.chat.id });
    }
  });
  bot.catch((error) => {
    deps.log.error("bot update failed", { update: error.ctx.update.update_id, error: error.error });
  });
  return bot;
}

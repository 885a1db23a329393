import { Bot, type Context } from "grammy";
import type postgres from "postgres";
import type { Logger } from "../actors/log.ts";
import type { Runtime } from "../actors/runtime.ts";
import { awardMessage, type ChatLike } from "../domain/award.ts";
import { mergeChats } from "../domain/chat_merge.ts";
import type { XpAmounts } from "../domain/xp_rules.ts";
import { adminHandlers } from "./admin.ts";
import { type CaseBotDeps, caseHandlers } from "./cases.ts";
import { memberChanges } from "./chat_members.ts";
import { payOnly, setPlainPayer } from "./plain_pay.ts";
import { commands } from "./commands.ts";
import { quizHandlers } from "./quiz.ts";
import { sentAsChat } from "./sent_as_chat.ts";
import { welcomeHandler } from "./welcome.ts";

type Message = NonNullable<Context["message"]>;

export interface BotDeps {
  token: string;
  apiRoot?: string;
  sql: postgres.Sql;
  log: Logger;
  xp: XpAmounts;
  adminUserIds: readonly number[];
  runtime: () => Runtime | undefined;
  /** The time case votes and arguments are judged at (default: the system clock). */
  now?: () => Date;
  /** Member proposals of cases (`/propose`). */
  proposals?: CaseBotDeps["proposals"];
  /** Draws a quiz's questions (default `Math.random`). */
  random?: () => number;
}

/**
 * The grammY bot: XP from group messages, member and admin commands, the dilemma cases' votes and
 * arguments. Nothing starts here.
 */
export function createBot(deps: BotDeps): Bot {
  const bot = new Bot(deps.token, { client: deps.apiRoot ? { apiRoot: deps.apiRoot } : undefined });
  const pay = async (chat: ChatLike, message: Message) => {
    const outcome = await awardMessage(deps.sql, chat, message, deps.xp);
    if (outcome.duplicate) {
      deps.log.debug("update seen before: no XP paid twice", { chat: chat.id });
    }
  };
  setPlainPayer(bot, (update) => {
    const m = update.message;
    if (!m || !bot.isInited() || !onlyPaysXp(m, bot.botInfo.id)) return undefined;
    return pay(m.chat, m);
  });
  // Most updates are plain group messages, which only the award below reads: they skip the
  // composers (≈70 µs of middleware per update, more than the rest of the webhook's work). The
  // webhook takes them shorter still, without grammY's update handling (`payOnly`); polling takes
  // the same short way here, as the first middleware.
  bot.use(async (ctx, next) => {
    const paid = payOnly(bot, ctx.update);
    if (paid) return await paid;
    await next();
  });
  bot.use(async (ctx, next) => {
    lowerCommand(ctx.update.message);
    await next();
  });
  bot.use(memberChanges(deps.sql, deps.now ?? (() => new Date())));
  bot.use(sentAsChat(deps.sql));
  bot.use(commands({ ...deps, sql: deps.sql }));
  bot.use(welcomeHandler({ sql: deps.sql, xp: deps.xp }));
  bot.use(caseHandlers({ sql: deps.sql, now: deps.now, proposals: deps.proposals, log: deps.log }));
  bot.use(quizHandlers({ sql: deps.sql, now: deps.now, xp: deps.xp, random: deps.random }));
  bot.use(adminHandlers({ sql: deps.sql, adminUserIds: deps.adminUserIds, now: deps.now }));
  bot.chatType(["group", "supergroup"]).on("message", async (ctx) => {
    // A group upgraded to a supergroup says so in both chats; the first to arrive merges.
    const { migrate_to_chat_id: newId, migrate_from_chat_id: oldId } = ctx.message;
    if (newId !== undefined || oldId !== undefined) {
      const from = oldId ?? ctx.chat.id;
      const to = newId ?? ctx.chat.id;
      const moved = await mergeChats(deps.sql, from, to);
      if (moved.merged) {
        deps.log.info("group upgraded to a supergroup: merged", { from, to, ...moved });
      }
    }
    // A command no handler answered (another bot's `/profile@OtherBot`, or one no bot answers)
    // is not chat: it pays nothing, as Warden's own commands pay nothing.
    if (!startsWithCommand(ctx.message)) await pay(ctx.chat, ctx.message);
  });
  bot.catch((error) => {
    deps.log.error("bot update failed", { update: error.ctx.update.update_id, error: error.error });
  });
  return bot;
}

/**
 * Whether a message is one that only the award reads: in a group, from a member, not a command
 * (no `bot_command` entity, no leading "/"), not a reply to the bot (a case's argument, see
 * cases.ts), not a group's upgrade. Every other handler of `createBot` needs one of these.
 */
export function onlyPaysXp(message: Message, botId: number): boolean {
  if (message.chat.type !== "group" && message.chat.type !== "supergroup") return false;
  if (!message.from || message.migrate_to_chat_id !== undefined) return false;
  if (message.migrate_from_chat_id !== undefined) return false;
  if (message.left_chat_member || message.new_chat_members) return false; // see chat_members.ts
  if (message.reply_to_message?.from?.id === botId) return false;
  const text = message.text ?? message.caption ?? "";
  if (text.startsWith("/")) return false;
  const entities = [...(message.entities ?? []), ...(message.caption_entities ?? [])];
  return !entities.some((e) => e.type === "bot_command");
}

/** Whether a message opens with a command (a `bot_command` entity at its start). */
function startsWithCommand(message: Message): boolean {
  const entities = message.text !== undefined ? message.entities : message.caption_entities;
  return (entities ?? []).some((e) => e.type === "bot_command" && e.offset === 0);
}

/**
 * `/Top` and `/PROFILE@WardenBot` read as `/top` and `/profile@WardenBot`: phone keyboards
 * capitalise a message's first letter, and grammY matches commands case-sensitively (a `/Top`
 * went unanswered and was paid as a plain message). Only the command's name changes.
 */
function lowerCommand(message: Message | undefined) {
  const entity = message?.entities?.[0];
  if (!message?.text || entity?.type !== "bot_command" || entity.offset !== 0) return;
  const name = message.text.slice(0, entity.length).split("@")[0];
  if (/^\/[A-Za-z0-9_]+$/.test(name) && name !== name.toLowerCase()) {
    message.text = name.toLowerCase() + message.text.slice(name.length);
  }
}

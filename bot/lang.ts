/**
 * How the bot answers a member: in their language (the chat's setting, else their Telegram
 * app's `language_code`, else English), and in a group as a reply to the message that asked.
 */
import type { Context } from "grammy";
import type postgres from "postgres";
import { type Language, languageOf } from "../domain/i18n.ts";
import { type MessageArgs, t } from "../domain/messages.ts";

/** The language to answer `ctx`'s member in: the chat's setting, else their app's, else English. */
export async function languageFor(sql: postgres.Sql, ctx: Context): Promise<Language> {
  const [chat] = ctx.chat && ctx.chat.type !== "private"
    ? await sql<{ language: string | null }[]>`
      SELECT language FROM chats WHERE chat_id = ${ctx.chat.id}`
    : [];
  return languageOf(chat?.language, ctx.from?.language_code);
}

type ReplyExtra = Parameters<Context["reply"]>[1];

/**
 * Answers `ctx`: in a group, as a reply to the asking message (so the asker is named by the
 * reply itself); in private, plainly.
 */
export async function answer(ctx: Context, text: string, extra: ReplyExtra = {}) {
  const group = ctx.chat?.type === "group" || ctx.chat?.type === "supergroup";
  const asking = ctx.msg?.message_id;
  return await ctx.reply(text, {
    ...(group && asking !== undefined
      ? { reply_parameters: { message_id: asking, allow_sending_without_reply: true } }
      : {}),
    ...extra,
  });
}

/** A translator bound to one language: `tr("profile-title", { name })`. */
export function translator(lang: Language) {
  return (id: string, args?: MessageArgs) => t(lang, id, args);
}

/**
 * Commands about the asker, sent by someone posting as a chat: an anonymous admin (the group
 * itself as `sender_chat`, from GroupAnonymousBot) or a channel (from Channel_Bot). Telegram hides
 * who posted, so `/hide` would hide, and `/profile` show, the shared account Telegram posts with.
 * `/propose` would make it a case's creator, paid at closing. They are answered with how to ask
 * instead, and nothing is written. `/profile @someone` (or as a reply) is about someone else and
 * goes on; admin commands go on (see chat_admins.ts). Which commands: `ABOUT_THE_ASKER` in
 * commands.ts, beside the menu they come from.
 */
import { Composer } from "grammy";
import type postgres from "postgres";
import { t } from "../domain/messages.ts";
import { ABOUT_THE_ASKER } from "./commands.ts";
import { answer, languageFor } from "./lang.ts";
import { namedTarget, repliedMember } from "./targets.ts";

const ABOUT_ASKER = Object.entries(ABOUT_THE_ASKER).flatMap(([command, about]) =>
  about ? [command] : []
);

export function sentAsChat(sql: postgres.Sql) {
  const c = new Composer();
  c.command(ABOUT_ASKER, async (ctx, next) => {
    const sender = ctx.msg.sender_chat;
    if (!sender) return await next();
    const command = ctx.msg.text!.slice(1).split(/[@\s]/)[0];
    if (command === "profile") {
      const { target } = namedTarget(ctx.msg, ctx.match);
      if (target || repliedMember(ctx.msg)) return await next();
    }
    const lang = await languageFor(sql, ctx);
    const chat = sender.title ?? ("username" in sender ? `@${sender.username}` : "");
    await answer(ctx, t(lang, "sent-as-chat", { chat, command }));
  });
  return c;
}

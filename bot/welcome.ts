/**
 * One message when the bot is added to a group (`my_chat_member`: from left or kicked to member
 * or administrator): what it does and how admins configure it, in the language of the chat's
 * setting, else of the admin who added it. Through the outbox, keyed by the chat and the
 * update's date, so a redelivered update writes nothing more.
 */
import { Composer } from "grammy";
import type postgres from "postgres";
import { languageOf } from "../domain/i18n.ts";
import { t } from "../domain/messages.ts";
import type { XpAmounts } from "../domain/xp_rules.ts";

const OUT = new Set(["left", "kicked"]);
const IN = new Set(["member", "administrator"]);

export function welcomeHandler(deps: { sql: postgres.Sql; xp: XpAmounts }) {
  const c = new Composer();
  c.on("my_chat_member", async (ctx) => {
    const u = ctx.myChatMember;
    if (u.chat.type !== "group" && u.chat.type !== "supergroup") return;
    if (!OUT.has(u.old_chat_member.status) || !IN.has(u.new_chat_member.status)) return;
    const [chat] = await deps.sql<{ language: string | null }[]>`
      SELECT language FROM chats WHERE chat_id = ${u.chat.id}`;
    const lang = languageOf(chat?.language, u.from.language_code);
    const text = t(lang, "welcome", deps.xp as unknown as Record<string, number>);
    await deps.sql`
      INSERT INTO outbox (chat_id, text, dedupe_key)
      VALUES (${u.chat.id}, ${text}, ${`welcome:${u.chat.id}:${u.date}`})
      ON CONFLICT (dedupe_key) DO NOTHING`;
  });
  return c;
}

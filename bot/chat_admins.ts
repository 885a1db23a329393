/**
 * Who may use a group's admin commands: Warden's operators (`ADMIN_USER_IDS`), whoever
 * Telegram says is an administrator or the creator of that chat, and an anonymous admin (a
 * message sent as the group itself). Telegram's answer (`getChatMember`) is cached in
 * `chat_admins` for 10 minutes, so every replica shares it and a busy admin costs one call per
 * 10 minutes; a failed call answers "not admin" and caches nothing.
 */
import type { Context } from "grammy";
import type postgres from "postgres";
import { chatMemberAnswer, type ChatMemberRef, MEMBER_CACHE_MS } from "./chat_members.ts";

export type { ChatMemberRef } from "./chat_members.ts";

/** How long Telegram's answer is trusted. */
export const ADMIN_CACHE_MS = MEMBER_CACHE_MS;

export interface ChatAdminDeps {
  sql: postgres.Sql;
  adminUserIds: readonly number[];
  /** The time the cache is stamped and read with (default: the system clock). */
  now?: () => Date;
}

/**
 * Whether the member may use admin commands in the chat: `who` is an update's context (its
 * chat and sender) or a chat, a user and the API to ask. A private chat has no admins but the
 * operators.
 *
 * @example
 * if (!(await isChatAdmin(deps, ctx))) return await answer(ctx, refusal);
 */
export async function isChatAdmin(
  deps: ChatAdminDeps,
  who: Context | ChatMemberRef,
): Promise<boolean> {
  if ("update" in who && postsAsTheGroup(who)) return true;
  const ref = "update" in who ? fromContext(who) : who;
  if (!ref) return false;
  if (deps.adminUserIds.includes(ref.userId)) return true;
  if (ref.chatId > 0) return false; // a private chat (or a user id): no chat admins there
  // Telegram did not answer: refuse now, ask again next time
  return (await chatMemberAnswer(deps.sql, ref, deps.now?.() ?? new Date()))?.isAdmin ?? false;
}

/**
 * Whether `ctx` is a message an anonymous admin sent: Telegram sends it from GroupAnonymousBot
 * with the group itself as `sender_chat`, and only the group's admins may post as the group. (A
 * channel's post in its discussion group has the channel as `sender_chat`: no proof.)
 */
export function postsAsTheGroup(ctx: Context): boolean {
  const sender = ctx.message?.sender_chat;
  return !!ctx.chat && ctx.chat.type !== "private" && sender?.id === ctx.chat.id;
}

/**
 * The author an admin's move is written with in the ledger and the audit: `telegram:<id>`, or
 * `telegram:anonymous-admin` for an admin posting as the group (Telegram hides which one).
 */
export function adminAuthor(ctx: Context): string {
  return postsAsTheGroup(ctx) ? "telegram:anonymous-admin" : `telegram:${ctx.from!.id}`;
}

function fromContext(ctx: Context): ChatMemberRef | null {
  if (!ctx.chat || !ctx.from) return null;
  return { chatId: ctx.chat.id, userId: ctx.from.id, api: ctx.api };
}

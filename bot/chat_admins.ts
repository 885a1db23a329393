/**
 * Who may use a group's admin commands: Warden's operators (`ADMIN_USER_IDS`), and whoever
 * Telegram says is an administrator or the creator of that chat. Telegram's answer
 * (`getChatMember`) is cached in `chat_admins` for 10 minutes, so every replica shares it and a
 * busy admin costs one call per 10 minutes; a failed call answers "not admin" and caches nothing.
 */
import type { Api, Context } from "grammy";
import type postgres from "postgres";

/** How long Telegram's answer is trusted. */
export const ADMIN_CACHE_MS = 10 * 60_000;

export interface ChatAdminDeps {
  sql: postgres.Sql;
  adminUserIds: readonly number[];
  /** The time the cache is stamped and read with (default: the system clock). */
  now?: () => Date;
}

/** A member of a chat, with the Bot API to ask about them. */
export interface ChatMemberRef {
  chatId: number;
  userId: number;
  api: Pick<Api, "getChatMember">;
}

const ADMIN_STATUSES = new Set(["creator", "administrator"]);

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
  const ref = "update" in who ? fromContext(who) : who;
  if (!ref) return false;
  if (deps.adminUserIds.includes(ref.userId)) return true;
  if (ref.chatId > 0) return false; // a private chat (or a user id): no chat admins there
  const now = deps.now?.() ?? new Date();
  const fresh = new Date(now.getTime() - ADMIN_CACHE_MS);
  const [cached] = await deps.sql<{ is_admin: boolean }[]>`
    SELECT is_admin FROM chat_admins
    WHERE chat_id = ${ref.chatId} AND user_id = ${ref.userId} AND checked_at > ${fresh}`;
  if (cached) return cached.is_admin;
  let isAdmin: boolean;
  try {
    const member = await ref.api.getChatMember(ref.chatId, ref.userId);
    isAdmin = ADMIN_STATUSES.has(member.status);
  } catch {
    return false; // Telegram did not answer: refuse now, ask again next time
  }
  await deps.sql`
    INSERT INTO chat_admins (chat_id, user_id, is_admin, checked_at)
    VALUES (${ref.chatId}, ${ref.userId}, ${isAdmin}, ${now})
    ON CONFLICT (chat_id, user_id)
    DO UPDATE SET is_admin = EXCLUDED.is_admin, checked_at = EXCLUDED.checked_at`;
  return isAdmin;
}

function fromContext(ctx: Context): ChatMemberRef | null {
  if (!ctx.chat || !ctx.from) return null;
  return { chatId: ctx.chat.id, userId: ctx.from.id, api: ctx.api };
}

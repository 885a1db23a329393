/**
 * What Telegram says about one user in one chat (`getChatMember`): whether they are in it, and
 * whether they administer it. The answer is cached in `chat_admins` for 10 minutes, so every
 * replica shares it and a busy member costs one call per 10 minutes; a failed call caches nothing.
 */
import { type Api, Composer } from "grammy";
import type postgres from "postgres";

/** How long Telegram's answer is trusted. */
export const MEMBER_CACHE_MS = 10 * 60_000;

/** A member of a chat, with the Bot API to ask about them. */
export interface ChatMemberRef {
  chatId: number;
  userId: number;
  api: Pick<Api, "getChatMember">;
}

/** Telegram's answer about a user in a chat. */
export interface ChatMemberAnswer {
  /** In the chat now: a member, an admin, the creator, or restricted but still in. */
  isMember: boolean;
  /** The chat's creator or one of its administrators. */
  isAdmin: boolean;
}

const ADMIN_STATUSES = new Set(["creator", "administrator"]);
const MEMBER_STATUSES = new Set(["creator", "administrator", "member"]);

/**
 * Telegram's answer about `ref`, from the cache when it is younger than 10 minutes (as of
 * `now`), else asked and cached; null when Telegram could not be asked (nothing is cached then).
 */
export async function chatMemberAnswer(
  sql: postgres.Sql,
  ref: ChatMemberRef,
  now: Date,
): Promise<ChatMemberAnswer | null> {
  const fresh = new Date(now.getTime() - MEMBER_CACHE_MS);
  const [cached] = await sql<{ is_admin: boolean; is_member: boolean }[]>`
    SELECT is_admin, is_member FROM chat_admins
    WHERE chat_id = ${ref.chatId} AND user_id = ${ref.userId} AND checked_at > ${fresh}
      AND is_member IS NOT NULL`;
  if (cached) return { isAdmin: cached.is_admin, isMember: cached.is_member };
  let answer: ChatMemberAnswer;
  try {
    const member = await ref.api.getChatMember(ref.chatId, ref.userId);
    answer = {
      isAdmin: ADMIN_STATUSES.has(member.status),
      isMember: MEMBER_STATUSES.has(member.status) ||
        (member.status === "restricted" && member.is_member),
    };
  } catch {
    return null; // Telegram did not answer: the caller decides, and we ask again next time
  }
  await sql`
    INSERT INTO chat_admins (chat_id, user_id, is_admin, is_member, checked_at)
    VALUES (${ref.chatId}, ${ref.userId}, ${answer.isAdmin}, ${answer.isMember}, ${now})
    ON CONFLICT (chat_id, user_id) DO UPDATE
    SET is_admin = EXCLUDED.is_admin, is_member = EXCLUDED.is_member,
        checked_at = EXCLUDED.checked_at`;
  return answer;
}

/**
 * Whether `ref` may take part in their chat's case (a vote): `member` when Telegram says they
 * are in the chat, `outsider` when they left or were removed, `unknown` when Telegram could not
 * be asked.
 *
 * @example
 * if ((await chatMembership(sql, ref, now())) !== "member") return await refuse(ctx);
 */
export async function chatMembership(
  sql: postgres.Sql,
  ref: ChatMemberRef,
  now: Date,
): Promise<"member" | "outsider" | "unknown"> {
  const answer = await chatMemberAnswer(sql, ref, now);
  if (!answer) return "unknown";
  return answer.isMember ? "member" : "outsider";
}

/**
 * Joins and leaves the bot sees in a group update the cache at once, on every replica: one who
 * left or was removed is no member from that moment (not up to 10 minutes later), and one who
 * (re)joined is asked again at their next vote.
 */
export function memberChanges(sql: postgres.Sql, now: () => Date) {
  const c = new Composer();
  c.on("message:left_chat_member", async (ctx, next) => {
    await sql`
      INSERT INTO chat_admins (chat_id, user_id, is_admin, is_member, checked_at)
      VALUES (${ctx.chat.id}, ${ctx.message.left_chat_member.id}, false, false, ${now()})
      ON CONFLICT (chat_id, user_id) DO UPDATE
      SET is_admin = false, is_member = false, checked_at = EXCLUDED.checked_at`;
    await next();
  });
  c.on("message:new_chat_members", async (ctx, next) => {
    const ids = ctx.message.new_chat_members.map((u) => u.id);
    await sql`DELETE FROM chat_admins WHERE chat_id = ${ctx.chat.id} AND user_id = ANY(${ids}::bigint[])`;
    await next();
  });
  return c;
}

import type postgres from "postgres";
import type { ChatLike } from "./award.ts";

type Texts = { en: string; es: string };

/** What a vote came to, for the member's answer. */
export type VoteOutcome =
  | { kind: "recorded" | "changed" | "same"; caseId: number; label: Texts }
  | { kind: "unknown-case" | "closed" | "unknown-option"; caseId: number }
  // refused before counting: not in the chat (left or removed), or Telegram could not say
  | { kind: "not-member" | "unverified"; caseId: number };

interface Voter {
  id: number;
  name: string;
  username?: string | null;
}

/** Makes the chat and the member if they are new (a vote may be a member's first act). */
async function ensureMember(tx: postgres.TransactionSql, chat: ChatLike, who: Voter) {
  await tx`
    INSERT INTO chats (chat_id, title, kind) VALUES (${chat.id}, ${chat.title ?? ""},
      ${chat.type === "group" ? "group" : "supergroup"})
    ON CONFLICT (chat_id) DO NOTHING`;
  await tx`
    INSERT INTO members (chat_id, user_id, display_name, username, next_level_xp, started_bot)
    VALUES (${chat.id}, ${who.id}, ${who.name}, ${who.username ?? null},
            (SELECT min_xp FROM levels WHERE number = 2),
            EXISTS (SELECT 1 FROM bot_users WHERE user_id = ${who.id}))
    ON CONFLICT (chat_id, user_id) DO NOTHING`;
}

/**
 * Whether members can see case `caseId` (it exists and is neither pending nor rejected): what a
 * vote asks first, so one on a case that does not exist is answered `unknown-case` before
 * anything about the voter. `castVote` checks again under its lock.
 */
export async function caseIsKnown(sql: postgres.Sql, caseId: number): Promise<boolean> {
  const [row] = await sql`
    SELECT 1 FROM cases WHERE id = ${caseId} AND status NOT IN ('pending', 'rejected')`;
  return row !== undefined;
}

/**
 * A member's vote on a case, from the buttons under its post: one per member and case (across
 * chats), changeable until the case closes. The case row is read under a share lock, so a vote
 * and the closure never cross: a vote is either counted or refused as late.
 */
export async function castVote(
  sql: postgres.Sql,
  v: { caseId: number; option: string; chat: ChatLike; voter: Voter; at: Date },
): Promise<VoteOutcome> {
  return await sql.begin(async (tx) => {
    const [c] = await tx<
      { status: string; closes_at: Date; options: Array<{ id: string; label: Texts }> }[]
    >`SELECT status, closes_at, options FROM cases WHERE id = ${v.caseId} FOR SHARE`;
    if (!c || c.status === "pending" || c.status === "rejected") {
      return { kind: "unknown-case", caseId: v.caseId };
    }
    if (c.status !== "open" || c.closes_at <= v.at) return { kind: "closed", caseId: v.caseId };
    const option = c.options.find((o) => o.id === v.option);
    if (!option) return { kind: "unknown-option", caseId: v.caseId };
    await ensureMember(tx, v.chat, v.voter);
    const [before] = await tx<{ option: string }[]>`
      SELECT option FROM case_votes WHERE case_id = ${v.caseId} AND user_id = ${v.voter.id} FOR UPDATE`;
    if (before?.option === v.option) return { kind: "same", caseId: v.caseId, label: option.label };
    await tx`
      INSERT INTO case_votes (case_id, user_id, chat_id, option, voted_at)
      VALUES (${v.caseId}, ${v.voter.id}, ${v.chat.id}, ${v.option}, ${v.at})
      ON CONFLICT (case_id, user_id) DO UPDATE
        SET option = EXCLUDED.option, chat_id = EXCLUDED.chat_id, voted_at = EXCLUDED.voted_at`;
    return { kind: before ? "changed" : "recorded", caseId: v.caseId, label: option.label };
  });
}

/** The open case whose post in `chatId` is message `messageId`, if any. */
async function caseOfPost(sql: postgres.Sql, chatId: number, messageId: number) {
  const [row] = await sql<{ id: string; closes_at: Date }[]>`
    SELECT c.id, c.closes_at FROM outbox o
    JOIN cases c ON o.dedupe_key = 'case-post:' || c.id || ':' || o.chat_id
    WHERE o.chat_id = ${chatId} AND o.sent_message_id = ${messageId} AND c.status = 'open'`;
  return row ? { id: Number(row.id), closesAt: row.closes_at } : null;
}

/**
 * A group message replying to a case's post is an argument on it, while voting is open; once
 * per message (a redelivered update adds nothing). Returns the case id, or null.
 */
export async function recordArgument(
  sql: postgres.Sql,
  a: { chatId: number; messageId: number; replyTo: number; userId: number; text: string; at: Date },
): Promise<number | null> {
  const text = a.text.trim();
  if (!text) return null;
  const c = await caseOfPost(sql, a.chatId, a.replyTo);
  if (!c || a.at >= c.closesAt) return null;
  await sql`
    INSERT INTO case_arguments (case_id, chat_id, message_id, user_id, text, posted_at)
    VALUES (${c.id}, ${a.chatId}, ${a.messageId}, ${a.userId}, ${text.slice(0, 2000)}, ${a.at})
    ON CONFLICT (chat_id, message_id) DO NOTHING`;
  return c.id;
}

/**
 * A member's 👍 on an argument (Telegram's `message_reaction` update, `at` its date): added or
 * taken back. Never one's own argument, never once voting closed (the same cut-off as votes and
 * arguments, though the closure may run minutes later); idempotent either way.
 */
export async function reactToArgument(
  sql: postgres.Sql,
  r: { chatId: number; messageId: number; userId: number; thumbsUp: boolean; at: Date },
): Promise<boolean> {
  const changed = r.thumbsUp
    ? await sql`
      INSERT INTO argument_votes (argument_id, user_id)
      SELECT a.id, ${r.userId} FROM case_arguments a JOIN cases c ON c.id = a.case_id
      WHERE a.chat_id = ${r.chatId} AND a.message_id = ${r.messageId}
        AND a.user_id <> ${r.userId} AND c.status = 'open' AND c.closes_at > ${r.at}
      ON CONFLICT DO NOTHING`
    : await sql`
      DELETE FROM argument_votes v USING case_arguments a, cases c
      WHERE v.argument_id = a.id AND c.id = a.case_id AND a.chat_id = ${r.chatId}
        AND a.message_id = ${r.messageId} AND v.user_id = ${r.userId} AND c.status = 'open'
        AND c.closes_at > ${r.at}`;
  return changed.count > 0;
}

/** Links (or replaces) a member's wallet; `address` is already checked and checksummed. */
export async function linkWallet(sql: postgres.Sql, userId: number, address: string) {
  await sql`
    INSERT INTO wallets (user_id, address) VALUES (${userId}, ${address})
    ON CONFLICT (user_id) DO UPDATE SET address = EXCLUDED.address, linked_at = now()`;
}

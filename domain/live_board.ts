/**
 * The all-time board read live from the balances (`members.xp` is the all-time total), so `/top`
 * is right the moment after someone chatted; and the groups a member is known in, for the
 * private commands that must pick one.
 */
import type postgres from "postgres";
import type { BoardEntry } from "./boards.ts";

/**
 * The top `limit` of a chat by XP now, ranked with ties (equal XP, equal rank; within a tie, who
 * reached it first, as on the cached boards), bots and hidden members left out; and `userId`'s
 * own rank and score (null when they are not on the board).
 */
export async function liveBoard(
  sql: postgres.Sql,
  chatId: number,
  limit: number,
  userId: number,
): Promise<{ entries: BoardEntry[]; you: { rank: number; score: number } | null }> {
  // The first `limit` by balance (index members_board) and whoever ties with the last of them;
  // a tie in the order the cached boards keep (`ranked` in boards.ts): who reached the score
  // first (the last positive ledger row, one probe of xp_ledger_member_time each; a balance
  // the ledger never paid: when the member joined), then the user id.
  const rows = await sql<{ rank: number; user_id: number; name: string; score: number }[]>`
    WITH top AS (
      SELECT user_id, display_name, xp, created_at FROM members
      WHERE chat_id = ${chatId} AND xp > 0 AND NOT is_bot AND NOT hidden
      ORDER BY xp DESC, user_id LIMIT ${limit}
    ), candidates AS (
      SELECT * FROM top
      UNION
      SELECT user_id, display_name, xp, created_at FROM members
      WHERE chat_id = ${chatId} AND xp = (SELECT min(xp) FROM top) AND NOT is_bot AND NOT hidden
    )
    SELECT rank() OVER (ORDER BY c.xp DESC)::int AS rank, c.user_id, c.display_name AS name,
           c.xp AS score
    FROM candidates c
    CROSS JOIN LATERAL (
      SELECT coalesce((
        SELECT max(l.created_at) FROM xp_ledger l
        WHERE l.chat_id = ${chatId} AND l.user_id = c.user_id AND l.amount > 0
      ), c.created_at) AS reached_at
    ) r
    ORDER BY c.xp DESC, r.reached_at, c.user_id
    LIMIT ${limit}`;
  const entries = rows.map((r): BoardEntry => ({
    rank: r.rank,
    userId: r.user_id,
    name: r.name,
    score: r.score,
    reachedAt: "",
  }));
  if (entries.some((e) => e.userId === userId)) {
    const mine = entries.find((e) => e.userId === userId)!;
    return { entries, you: { rank: mine.rank, score: mine.score } };
  }
  const [me] = await sql<{ rank: number; score: number }[]>`
    SELECT 1 + (SELECT count(*) FROM members o
                 WHERE o.chat_id = m.chat_id AND o.xp > m.xp AND NOT o.is_bot AND NOT o.hidden)::int AS rank,
           m.xp AS score
    FROM members m
    WHERE m.chat_id = ${chatId} AND m.user_id = ${userId} AND m.xp > 0 AND NOT m.hidden`;
  return { entries, you: me ?? null };
}

/** Whether `userId` left `chatId`'s boards (`/hide`). */
export async function hiddenIn(sql: postgres.Sql, chatId: number, userId: number) {
  const [m] = await sql<{ hidden: boolean }[]>`
    SELECT hidden FROM members WHERE chat_id = ${chatId} AND user_id = ${userId}`;
  return m?.hidden ?? false;
}

/** The groups `userId` is a member of (by title), at most `limit`. */
export async function memberGroups(sql: postgres.Sql, userId: number, limit = 10) {
  return await sql<{ chatId: number; title: string }[]>`
    SELECT m.chat_id AS "chatId", c.title
    FROM members m JOIN chats c ON c.chat_id = m.chat_id
    WHERE m.user_id = ${userId} AND c.kind IN ('group', 'supergroup')
    ORDER BY c.title, m.chat_id LIMIT ${limit}`;
}

/**
 * The groups `askerId` shares with a member (by user id, or by username, any case), by title, at
 * most `limit`, with that member's user id in each.
 */
export async function sharedGroups(
  sql: postgres.Sql,
  askerId: number,
  member: number | { username: string },
  limit = 10,
) {
  const byId = typeof member === "number" ? member : null;
  const byName = typeof member === "number" ? null : member.username;
  return await sql<{ chatId: number; title: string; userId: number }[]>`
    SELECT * FROM (
      SELECT DISTINCT ON (m.chat_id) m.chat_id AS "chatId", c.title, t.user_id::float8 AS "userId"
      FROM members m JOIN chats c ON c.chat_id = m.chat_id
      JOIN members t ON t.chat_id = m.chat_id
        AND (t.user_id = ${byId} OR lower(t.username) = lower(${byName}))
      WHERE m.user_id = ${askerId} AND c.kind IN ('group', 'supergroup')
      ORDER BY m.chat_id, t.updated_at DESC) shared
    ORDER BY title, "chatId" LIMIT ${limit}`;
}

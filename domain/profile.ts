import type postgres from "postgres";
import { livesAsOf, streakAsOf } from "./activity.ts";
import { BOARD_SIZE, type Period, periodStart } from "./boards.ts";
import { ledgerBoard } from "./current_board.ts";
import { LIFE_PERIOD_MINUTES } from "./life_regen.ts";

/** Lives a member has before the first quiz writes their row (the table's default). */
export const DEFAULT_LIVES = 5;

export interface ChatSummary {
  chatId: number;
  title: string;
  kind: string;
  /** Members who are people (bots mentioned in the chat are not counted). */
  members: number;
}

/** Every chat Warden knows, with its member count, in one query. */
export async function chatsWithCounts(sql: postgres.Sql): Promise<ChatSummary[]> {
  const rows = await sql<{ chat_id: number; title: string; kind: string; members: number }[]>`
    SELECT c.chat_id, c.title, c.kind, count(m.user_id) FILTER (WHERE NOT m.is_bot)::int AS members
    FROM chats c LEFT JOIN members m ON m.chat_id = c.chat_id
    GROUP BY c.chat_id
    ORDER BY c.chat_id`;
  return rows.map((r) => ({ chatId: r.chat_id, title: r.title, kind: r.kind, members: r.members }));
}

export interface MemberProfile {
  chatId: number;
  userId: number;
  name: string;
  username: string | null;
  level: number;
  levelName: string | null;
  xp: number;
  /** Where the next level starts; null at the level cap. */
  nextLevelXp: number | null;
  /** How far through the current level, 0..1 (1 at the cap). */
  progress: number;
  counters: { messages: number; links: number; thanksReceived: number };
  streak: { current: number; best: number; protections: number };
  lives: { current: number; max: number };
  /**
   * Rank on each cached board (as of the last `leaderboard-recalc`; all-time live with
   * `liveAllTime`); null when not on it.
   */
  rank: Record<Period, number | null>;
  badges: number;
}

interface ProfileRow {
  chat_id: number;
  user_id: number;
  display_name: string;
  username: string | null;
  level: number;
  level_name: string | null;
  level_min: number;
  xp: number;
  next_level_xp: number | null;
  messages_count: number;
  links_shared: number;
  thanks_received: number;
  streak: number;
  best: number;
  protections: number;
  streak_at: Date | null;
  protected_until: Date | null;
  lives: number;
  lives_max: number;
  last_refill_at: Date | null;
  ranks: Partial<Record<Period, number>> | null;
  /** The all-time rank by balance now, as `/top` ranks it (`liveBoard`); null when off it. */
  live_rank: number | null;
  /** Boards whose cache is still a closed period's (right after it turned). */
  stale: Exclude<Period, "all">[];
  badges: number;
}

/** The streak and its protections as of `at` (`streakAsOf`); none yet reads 0. */
function streakOf(r: ProfileRow, at: Date): { current: number; protections: number } {
  if (!r.streak_at) return { current: r.streak, protections: r.protections };
  const { current, protections } = streakAsOf({
    current: r.streak,
    protections: r.protections,
    lastActivityAt: r.streak_at,
    protectedUntil: r.protected_until,
  }, at);
  return { current, protections };
}

/** The share of the current level done: `(xp − level start) / (next − level start)`, in 0..1. */
export function levelProgress(xp: number, levelMin: number, nextLevelXp: number | null): number {
  if (nextLevelXp === null || nextLevelXp <= levelMin) return 1;
  return Math.max(0, Math.min(1, (xp - levelMin) / (nextLevelXp - levelMin)));
}

/**
 * A member's profile in one query: level, counters, streak, lives, board ranks and badge
 * count (a board whose cache is still last period's is read live; with `liveAllTime`, the
 * all-time rank too, from the balances, as the bot's `/top` reads it: the cache holds the top
 * 100 as of its last run); null when the chat has no such member. `who` is a user id or
 * `{ username }`.
 */
export async function memberProfile(
  sql: postgres.Sql,
  chatId: number,
  who: number | { username: string },
  at: Date,
  o: { liveAllTime?: boolean } = {},
): Promise<MemberProfile | null> {
  const [r] = await sql<ProfileRow[]>`
    SELECT m.chat_id, m.user_id, m.display_name, m.username, m.level, l.name AS level_name,
           coalesce(l.min_xp, 0) AS level_min, m.xp, m.next_level_xp,
           m.messages_count, m.links_shared, m.thanks_received,
           coalesce(s.current, 0) AS streak, coalesce(s.best, 0) AS best,
           coalesce(s.protections, 0) AS protections, s.last_activity_at AS streak_at,
           s.protected_until,
           coalesce(v.current, ${DEFAULT_LIVES}) AS lives, coalesce(v.max, ${DEFAULT_LIVES}) AS lives_max,
           v.last_refill_at,
           (SELECT jsonb_object_agg(e.period, e.rank) FROM leaderboard_entries e
             WHERE e.chat_id = m.chat_id AND e.user_id = m.user_id) AS ranks,
           CASE WHEN ${!!o.liveAllTime} AND m.xp > 0 AND NOT m.hidden AND NOT m.is_bot THEN 1 + (
             SELECT count(*) FROM members o WHERE o.chat_id = m.chat_id AND o.xp > m.xp
               AND NOT o.is_bot AND NOT o.hidden)::int END AS live_rank,
           (SELECT coalesce(jsonb_agg(e.period), '[]') FROM leaderboard_entries e
             WHERE e.chat_id = m.chat_id AND e.position = 1 AND e.period_start <> CASE e.period
               WHEN 'day' THEN ${periodStart("day", at)}::timestamptz
               WHEN 'week' THEN ${periodStart("week", at)}::timestamptz
               WHEN 'month' THEN ${periodStart("month", at)}::timestamptz
               ELSE e.period_start END) AS stale,
           (SELECT count(*)::int FROM member_badges mb
             WHERE mb.chat_id = m.chat_id AND mb.user_id = m.user_id) AS badges
    FROM members m
    LEFT JOIN levels l ON l.number = m.level
    LEFT JOIN streaks s ON s.chat_id = m.chat_id AND s.user_id = m.user_id
    LEFT JOIN lives v ON v.chat_id = m.chat_id AND v.user_id = m.user_id
    WHERE m.chat_id = ${chatId} AND ${
    typeof who === "number"
      ? sql`m.user_id = ${who}`
      : sql`lower(m.username) = ${who.username.toLowerCase()}`
  }
    LIMIT 1`;
  if (!r) return null;
  const ranks = r.ranks ?? {};
  // Right after a period turned the cached rank is last period's: the current one, read live.
  for (const period of r.stale) {
    const board = await ledgerBoard(sql, r.chat_id, period, BOARD_SIZE, at);
    ranks[period] = board.entries.find((e) => e.userId === r.user_id)?.rank;
  }
  return {
    chatId: r.chat_id,
    userId: r.user_id,
    name: r.display_name,
    username: r.username,
    level: r.level,
    levelName: r.level_name,
    xp: r.xp,
    nextLevelXp: r.next_level_xp,
    progress: levelProgress(r.xp, r.level_min, r.next_level_xp),
    counters: {
      messages: r.messages_count,
      links: r.links_shared,
      thanksReceived: r.thanks_received,
    },
    // as of `at`, as /streak and /lives say it (the nightly and half-hourly jobs write it later)
    streak: { ...streakOf(r, at), best: r.best },
    lives: {
      current: r.last_refill_at
        ? livesAsOf(
          { current: r.lives, max: r.lives_max, lastRefillAt: r.last_refill_at },
          at,
          LIFE_PERIOD_MINUTES * 60_000,
        ).current
        : r.lives,
      max: r.lives_max,
    },
    rank: {
      all: o.liveAllTime ? r.live_rank : ranks.all ?? null,
      month: ranks.month ?? null,
      week: ranks.week ?? null,
      day: ranks.day ?? null,
    },
    badges: r.badges,
  };
}

/**
 * Whether the chat, and the member in it, are known: what a "not found" answer names; `bot`:
 * the member is a bot account (bots earn no XP).
 */
export async function findMember(
  sql: postgres.Sql,
  chatId: number,
  userId: number,
): Promise<{ chat: boolean; member: boolean; bot: boolean }> {
  const [r] = await sql<{ chat: boolean; member: boolean; bot: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM chats WHERE chat_id = ${chatId}) AS chat,
           EXISTS (SELECT 1 FROM members WHERE chat_id = ${chatId} AND user_id = ${userId}) AS member,
           EXISTS (SELECT 1 FROM members
                   WHERE chat_id = ${chatId} AND user_id = ${userId} AND is_bot) AS bot`;
  return r;
}

/** Whether Warden knows the chat. */
export async function chatExists(sql: postgres.Sql, chatId: number): Promise<boolean> {
  const [r] = await sql<{ known: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM chats WHERE chat_id = ${chatId}) AS known`;
  return r.known;
}

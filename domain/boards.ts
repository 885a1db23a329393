import type postgres from "postgres";
import { defineJob, type JobSpec } from "../actors/job.ts";

export type Period = "all" | "month" | "week" | "day";
export const PERIODS: Period[] = ["all", "month", "week", "day"];
export const BOARD_SIZE = 100;

/** The start of the period that contains `at` (UTC; weeks start on Monday). */
export function periodStart(period: Period, at: Date): Date {
  if (period === "all") return new Date(0);
  const day = period === "month" ? 1 : at.getUTCDate();
  const d = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), day));
  if (period === "week") d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d;
}

/** The start of the next period after the one starting at `start`. */
export function periodEnd(period: Period, start: Date): Date {
  if (period === "all") return new Date("9999-12-31T00:00:00Z");
  const d = new Date(start);
  if (period === "month") d.setUTCMonth(d.getUTCMonth() + 1);
  else d.setUTCDate(d.getUTCDate() + (period === "week" ? 7 : 1));
  return d;
}

type Sql = postgres.Sql | postgres.TransactionSql;

/** One board period as the ledger sees it: rows dated in `[start, end)`. */
export interface PeriodRange {
  period: Exclude<Period, "all">;
  start: Date;
  end: Date;
}

/** The current day, week and month around `at`. */
function currentRanges(at: Date): PeriodRange[] {
  return (["month", "week", "day"] as const).map((period) => {
    const start = periodStart(period, at);
    return { period, start, end: periodEnd(period, start) };
  });
}

/**
 * Ranking, the same for every board: competition ranking (ties share a rank: 1, 2, 2, 4), and
 * inside a tie, who reached the score first (`reached_at`: the member's last positive ledger row
 * in the period), then the user id. Over `scores`
 * (chat_id, period, period_start, user_id, score, reached_at), per chat and period (and its start).
 */
function ranked(sql: Sql, scores: postgres.PendingQuery<postgres.Row[]>, limit: number) {
  return sql`
    SELECT chat_id, period, period_start, position, rank, user_id, score, reached_at FROM (
      SELECT chat_id, period, period_start, user_id, score, reached_at,
             rank() OVER (PARTITION BY chat_id, period, period_start ORDER BY score DESC)::int AS rank,
             row_number() OVER (PARTITION BY chat_id, period, period_start
                                ORDER BY score DESC, reached_at, user_id)::int AS position
      FROM (${scores}) scores
    ) r
    WHERE position <= ${limit}`;
}

/**
 * The scores `s` that may be on a board: members who hid themselves and bots are left off, and
 * ranked around (the others close the gap).
 */
function onBoard(sql: Sql) {
  return sql`NOT EXISTS (
    SELECT 1 FROM members m
    WHERE m.chat_id = s.chat_id AND m.user_id = s.user_id AND (m.hidden OR m.is_bot))`;
}

/**
 * The ranked top `limit` of every chat's board (or only `chatId`'s) for ledger rows in
 * `[start, end)` (a range scan on `xp_ledger_time`, or `xp_ledger_chat_time`). As a SQL fragment.
 */
export function periodBoard(sql: Sql, period: PeriodRange, limit: number, chatId?: number) {
  return ranked(
    sql,
    sql`
      SELECT chat_id, ${period.period}::text AS period, ${period.start}::timestamptz AS period_start,
             user_id, score, reached_at
      FROM (
        SELECT chat_id, user_id, sum(amount) AS score,
               max(created_at) FILTER (WHERE amount > 0) AS reached_at
        FROM xp_ledger
        WHERE created_at >= ${period.start} AND created_at < ${period.end}
          ${chatId === undefined ? sql`` : sql`AND chat_id = ${chatId}`}
        GROUP BY chat_id, user_id
        HAVING sum(amount) > 0
      ) s
      WHERE ${onBoard(sql)}`,
    limit,
  );
}

/**
 * The ranked top `limit` of every chat's board for each of the closed `ranges` of `period` (the
 * archive's), in one range scan of the ledger over them all. As a SQL fragment.
 */
export function closedBoards(
  sql: Sql,
  period: "week" | "month",
  ranges: { start: Date; end: Date }[],
  limit: number,
) {
  const starts = ranges.map((r) => r.start.toISOString());
  const ends = ranges.map((r) => r.end.toISOString());
  return ranked(
    sql,
    sql`
      SELECT chat_id, ${period}::text AS period, period_start, user_id, score, reached_at
      FROM (
        SELECT l.chat_id, r.start AS period_start, l.user_id, sum(l.amount) AS score,
               max(l.created_at) FILTER (WHERE l.amount > 0) AS reached_at
        FROM unnest(${starts}::timestamptz[], ${ends}::timestamptz[]) AS r(start, "end")
        JOIN xp_ledger l ON l.created_at >= r.start AND l.created_at < r."end"
        GROUP BY l.chat_id, r.start, l.user_id
        HAVING sum(l.amount) > 0
      ) s
      WHERE ${onBoard(sql)}`,
    limit,
  );
}

/**
 * Every current board of every chat, ranked, top `limit`, in one statement whose cost follows
 * the current periods and the chats, not the ledger's length:
 * - `span`: one range scan of the ledger from the earliest current period start on (month or
 *   week), summed per member and period, and each member's last positive row in it;
 * - day, week and month: from `span`;
 * - all-time: from the balances (`members.xp` is the ledger's all-time sum): per chat the first
 *   `limit` rows of index `members_board` and whoever ties with the last of them. Their
 *   `reached_at` (the last positive ledger row, as on the other boards) comes from `span`, or
 *   for a member with none there, from one probe of `xp_ledger_member_time`; a balance the ledger
 *   never paid (set outside it) falls back to when the member joined.
 */
function currentBoards(sql: Sql, at: Date, limit: number) {
  const [month, week, day] = currentRanges(at);
  const from = month.start < week.start ? month.start : week.start;
  const score = (r: PeriodRange) =>
    sql`sum(l.amount) FILTER (WHERE l.created_at >= ${r.start} AND l.created_at < ${r.end})`;
  const reached = (r: PeriodRange) =>
    sql`max(l.created_at) FILTER (WHERE l.amount > 0 AND l.created_at >= ${r.start} AND l.created_at < ${r.end})`;
  return sql`
    WITH span AS MATERIALIZED (
      SELECT l.chat_id, l.user_id, max(l.created_at) FILTER (WHERE l.amount > 0) AS last_positive,
             ${score(month)} AS month_score, ${reached(month)} AS month_reached,
             ${score(week)} AS week_score, ${reached(week)} AS week_reached,
             ${score(day)} AS day_score, ${reached(day)} AS day_reached
      FROM xp_ledger l
      WHERE l.created_at >= ${from}
      GROUP BY l.chat_id, l.user_id
    )
    ${
    ranked(
      sql,
      sql`
        SELECT s.chat_id, p.period, p.period_start, s.user_id, p.score, p.reached_at
        FROM span s
        CROSS JOIN LATERAL (VALUES
          ('month'::text, ${month.start}::timestamptz, s.month_score, s.month_reached),
          ('week', ${week.start}::timestamptz, s.week_score, s.week_reached),
          ('day', ${day.start}::timestamptz, s.day_score, s.day_reached)
        ) p (period, period_start, score, reached_at)
        WHERE p.score > 0 AND ${onBoard(sql)}
        UNION ALL
        SELECT top.chat_id, 'all', ${new Date(0)}::timestamptz, top.user_id, top.xp,
               coalesce(s.last_positive, (
                 SELECT max(l.created_at) FROM xp_ledger l
                 WHERE l.chat_id = top.chat_id AND l.user_id = top.user_id AND l.amount > 0
               ), top.created_at)
        FROM chats c
        CROSS JOIN LATERAL (
          SELECT m.chat_id, m.user_id, m.xp, m.created_at FROM members m
          WHERE m.chat_id = c.chat_id AND m.xp > 0 AND NOT m.hidden AND NOT m.is_bot
          ORDER BY m.xp DESC
          FETCH FIRST ${limit} ROWS WITH TIES
        ) top
        LEFT JOIN span s ON s.chat_id = top.chat_id AND s.user_id = top.user_id`,
      limit,
    )
  }`;
}

const RECALC_LOCK = 0x5741_5244_4c42; // advisory lock: one `leaderboard-recalc` at a time

/**
 * `leaderboard-recalc`: all-time, monthly, weekly and daily boards per chat, top 100 cached, in
 * one statement (`currentBoards`): older history is read only for all-time places held by members
 * with no XP since the month (or week) began, one index probe each. Runs take turns (two
 * replicas, or a late slot beside the next); a slot older than the cached boards writes nothing.
 */
export function leaderboardRecalcJob(): JobSpec {
  return defineJob({
    name: "leaderboard-recalc",
    description:
      "Recomputes the all-time, monthly, weekly and daily boards of every chat (top 100)",
    schedule: "*/15 * * * *",
    timeout: "10m",
    async run(ctx) {
      const at = ctx.scheduledFor;
      let entries = 0;
      let newer = false;
      await ctx.db.begin(async (tx) => {
        // Each DELETE must see the rows another run inserted: else both runs' boards stay
        // cached (a day's and the next's), or the second INSERT meets the first's keys.
        await tx`SELECT pg_advisory_xact_lock(${RECALC_LOCK})`;
        [{ newer }] = await tx<{ newer: boolean }[]>`
          SELECT EXISTS (SELECT 1 FROM leaderboard_entries WHERE computed_at > ${at}) AS newer`;
        if (newer) return;
        await tx`SET LOCAL work_mem = '64MB'`;
        await tx`DELETE FROM leaderboard_entries WHERE period = ANY(${PERIODS}::text[])`;
        const r = await tx`
          INSERT INTO leaderboard_entries (chat_id, period, period_start, position, rank, user_id, score, reached_at, computed_at)
          SELECT chat_id, period, period_start, position, rank, user_id, score, reached_at, ${at}
          FROM (${currentBoards(tx, at, BOARD_SIZE)}) b`;
        entries = r.count;
      });
      const details = newer ? { boards: PERIODS, newerCached: true } : { boards: PERIODS };
      return { processed: entries, changed: entries, details };
    },
  });
}

export interface BoardEntry {
  rank: number;
  userId: number;
  name: string;
  score: number;
  reachedAt: string;
}

/** A chat's cached board (as of the last recalculation; `periodStart` null when it has none). */
export async function readBoard(sql: postgres.Sql, chatId: number, period: Period, limit: number) {
  const rows = await sql<
    {
      rank: number;
      user_id: number;
      name: string;
      score: number;
      reached_at: Date;
      computed_at: Date;
      period_start: Date;
    }[]
  >`
    SELECT e.rank, e.user_id, coalesce(m.display_name, '') AS name, e.score, e.reached_at,
           e.computed_at, e.period_start
    FROM leaderboard_entries e
    LEFT JOIN members m ON m.chat_id = e.chat_id AND m.user_id = e.user_id
    WHERE e.chat_id = ${chatId} AND e.period = ${period}
    ORDER BY e.position LIMIT ${limit}`;
  return {
    computedAt: rows[0]?.computed_at.toISOString() ?? null,
    periodStart: rows[0]?.period_start.toISOString() ?? null,
    entries: rows.map(boardEntry),
  };
}

/** A board row as the bot, the API and the dashboard show it. */
export function boardEntry(
  r: { rank: number; user_id: number; name: string; score: number; reached_at: Date },
): BoardEntry {
  return {
    rank: r.rank,
    userId: r.user_id,
    name: r.name,
    score: r.score,
    reachedAt: r.reached_at.toISOString(),
  };
}

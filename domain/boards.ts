import type postgres from "postgres";
import { defineJob, type JobSpec } from "../actors/job.ts";

export type Period = "all" | "month" | "week" | "day";
export const PERIODS: Period[] = ["all", "month", "week", "day"];
export const BOARD_SIZE = 100;

/** The start of the period that contains `at` (UTC; weeks start on Monday). */
export function periodStart(period: Period, at: Date): Date {
  if (period === "all") return new Date(0);
  const d = new Date(
    Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), period === "month" ? 1 : at.getUTCDate()),
  );
  if (period === "week") d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d;
}

/** The start of the next period after the one starting at `start`. */
export function periodEnd(period: Period, start: Date): Date {
  const d = new Date(start);
  if (period === "all") return new Date("9999-12-31T00:00:00Z");
  if (period === "month") d.setUTCMonth(d.getUTCMonth() + 1);
  else d.setUTCDate(d.getUTCDate() + (period === "week" ? 7 : 1));
  return d;
}

/**
 * The ranked top of every chat's board for ledger rows in `[start, end)`: competition
 * ranking (ties share a rank: 1, 2, 2, 4), and inside a tie, who reached the score first, then
 * the user id. Members who hid themselves (`members.hidden`) are left off, and ranked around:
 * the others close the gap. As a SQL fragment for `INSERT … SELECT`.
 */
function rankedBoard(
  sql: postgres.Sql | postgres.TransactionSql,
  start: Date,
  end: Date,
  limit: number,
) {
  return sql`
    SELECT chat_id, user_id, score, reached_at, rank, position FROM (
      SELECT chat_id, user_id, score, reached_at,
             rank() OVER (PARTITION BY chat_id ORDER BY score DESC)::int AS rank,
             row_number() OVER (PARTITION BY chat_id ORDER BY score DESC, reached_at, user_id)::int AS position
      FROM (
        SELECT chat_id, user_id, sum(amount) AS score, max(created_at) FILTER (WHERE amount > 0) AS reached_at
        FROM xp_ledger
        WHERE created_at >= ${start} AND created_at < ${end}
        GROUP BY chat_id, user_id
        HAVING sum(amount) > 0
      ) scores
      WHERE NOT EXISTS (
        SELECT 1 FROM members m WHERE m.chat_id = scores.chat_id AND m.user_id = scores.user_id AND m.hidden
      )
    ) ranked
    WHERE position <= ${limit}`;
}

/** `leaderboard-recalc`: all-time, monthly, weekly and daily boards per chat, top 100 cached. */
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
      await ctx.db.begin(async (tx) => {
        await tx`SET LOCAL work_mem = '64MB'`;
        for (const period of PERIODS) {
          const start = periodStart(period, at);
          await tx`DELETE FROM leaderboard_entries WHERE period = ${period}`;
          const r = await tx`
            INSERT INTO leaderboard_entries (chat_id, period, period_start, position, rank, user_id, score, reached_at, computed_at)
            SELECT chat_id, ${period}, ${start}, position, rank, user_id, score, reached_at, ${at}
            FROM (${rankedBoard(tx, start, periodEnd(period, start), BOARD_SIZE)}) b`;
          entries += r.count;
        }
      });
      return { processed: entries, changed: entries, details: { boards: PERIODS } };
    },
  });
}

/**
 * `leaderboard-reset-weekly` / `-monthly`: at the start of a period, the closing period's final
 * board is archived and its top three announced in each chat. The live ledger is untouched, so
 * nothing is destroyed, and a rerun finds the archive and the announcements already there.
 */
export function leaderboardResetJob(period: "week" | "month"): JobSpec {
  return defineJob({
    name: period === "week" ? "leaderboard-reset-weekly" : "leaderboard-reset-monthly",
    description: `Archives last ${period}'s final board and announces its winners per chat`,
    schedule: period === "week" ? "0 0 * * 1" : "0 0 1 * *",
    timeout: "10m",
    catchUp: { policy: "once" },
    async run(ctx) {
      const current = periodStart(period, ctx.scheduledFor);
      const closing = periodStart(period, new Date(current.getTime() - 1));
      return await ctx.db.begin(async (tx) => {
        const archived = await tx`
          INSERT INTO leaderboard_archive (chat_id, period, period_start, position, rank, user_id, score, reached_at)
          SELECT chat_id, ${period}, ${closing}, position, rank, user_id, score, reached_at
          FROM (${rankedBoard(tx, closing, current, BOARD_SIZE)}) b
          ON CONFLICT DO NOTHING`;
        const label = period === "week"
          ? `the week of ${closing.toISOString().slice(0, 10)}`
          : closing.toISOString().slice(0, 7);
        const announced = await tx`
          INSERT INTO outbox (chat_id, text, dedupe_key)
          SELECT a.chat_id,
                 format(E'🏁 Final board for %s:\\n%s', ${label}::text,
                        string_agg(format('%s %s — %s XP', CASE a.rank WHEN 1 THEN '🥇' WHEN 2 THEN '🥈' ELSE '🥉' END,
                                          m.display_name, a.score), E'\\n' ORDER BY a.position)),
                 'board-winners:' || ${period}::text || ':' || ${closing.toISOString()}::text || ':' || a.chat_id
          FROM leaderboard_archive a
          JOIN members m ON m.chat_id = a.chat_id AND m.user_id = a.user_id
          JOIN chats c ON c.chat_id = a.chat_id AND c.kind <> 'private'
          WHERE a.period = ${period} AND a.period_start = ${closing} AND a.rank <= 3
          GROUP BY a.chat_id
          ON CONFLICT (dedupe_key) DO NOTHING`;
        return {
          processed: archived.count,
          changed: archived.count + announced.count,
          details: { announced: announced.count },
        };
      });
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

/** A chat's cached board (as of the last recalculation). */
export async function readBoard(sql: postgres.Sql, chatId: number, period: Period, limit: number) {
  const rows = await sql<
    {
      rank: number;
      user_id: number;
      name: string;
      score: number;
      reached_at: Date;
      computed_at: Date;
    }[]
  >`
    SELECT e.rank, e.user_id, coalesce(m.display_name, '') AS name, e.score, e.reached_at, e.computed_at
    FROM leaderboard_entries e
    LEFT JOIN members m ON m.chat_id = e.chat_id AND m.user_id = e.user_id
    WHERE e.chat_id = ${chatId} AND e.period = ${period}
    ORDER BY e.position LIMIT ${limit}`;
  return {
    computedAt: rows[0]?.computed_at.toISOString() ?? null,
    entries: rows.map((r): BoardEntry => ({
      rank: r.rank,
      userId: r.user_id,
      name: r.name,
      score: r.score,
      reachedAt: r.reached_at.toISOString(),
    })),
  };
}

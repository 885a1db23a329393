/**
 * A chat's board for the period under way. `leaderboard-recalc` caches the boards every 15
 * minutes; right after a day, week or month turns (or while the job is late or paused) the cache
 * still holds the closed period's board, so that one is not shown as current: the new period is
 * read live from the ledger, ranked as the job ranks (`periodBoard`).
 */
import type postgres from "postgres";
import {
  type BoardEntry,
  boardEntry,
  type Period,
  periodBoard,
  periodEnd,
  periodStart,
  readBoard,
} from "./boards.ts";

/** A board of the current period, and how it was read. */
export interface CurrentBoard {
  /** The start of the period `at` falls in (ISO; the epoch for all-time). */
  periodStart: string;
  /** true: read from the ledger just now, the cache being last period's. */
  live: boolean;
  /** When the rows were computed: the recalculation's slot, or `at` when read live. */
  computedAt: string | null;
  entries: BoardEntry[];
}

/**
 * `chatId`'s `period` board as of `at`, top `limit`: the cached rows when they are of the period
 * `at` falls in (or there are none: nothing cached, or nobody on it), else read live.
 *
 * @example
 * const board = await currentBoard(sql, chatId, "week", 10, clock.now());
 */
export async function currentBoard(
  sql: postgres.Sql,
  chatId: number,
  period: Period,
  limit: number,
  at: Date,
): Promise<CurrentBoard> {
  const start = periodStart(period, at);
  const cached = await readBoard(sql, chatId, period, limit);
  if (
    period === "all" || cached.periodStart === null || Date.parse(cached.periodStart) === +start
  ) {
    return { ...cached, periodStart: start.toISOString(), live: false };
  }
  return { periodStart: start.toISOString(), ...await ledgerBoard(sql, chatId, period, limit, at) };
}

/**
 * `chatId`'s `period` board (not `all`) for the period `at` falls in, top `limit`, read live
 * from the ledger and ranked as `leaderboard-recalc` ranks it.
 */
export async function ledgerBoard(
  sql: postgres.Sql,
  chatId: number,
  period: Exclude<Period, "all">,
  limit: number,
  at: Date,
): Promise<{ live: true; computedAt: string; entries: BoardEntry[] }> {
  const start = periodStart(period, at);
  const range = { period, start, end: periodEnd(period, start) };
  const rows = await sql<
    { rank: number; user_id: number; name: string; score: number; reached_at: Date }[]
  >`
    SELECT b.rank, b.user_id, coalesce(m.display_name, '') AS name, b.score, b.reached_at
    FROM (${periodBoard(sql, range, limit, chatId)}) b
    LEFT JOIN members m ON m.chat_id = b.chat_id AND m.user_id = b.user_id
    ORDER BY b.position`;
  return { live: true, computedAt: at.toISOString(), entries: rows.map(boardEntry) };
}

import { defineJob, type JobSpec } from "../actors/job.ts";
import { finalBoardText } from "./board_texts.ts";
import { BOARD_SIZE, closedBoards, periodEnd, periodStart } from "./boards.ts";
import { sqlLanguage } from "./job_texts.ts";

/** Most closed periods one reset archives: a reset missed longer than this keeps the last ones. */
export const MAX_CLOSED = 12;

/**
 * The closed periods a reset at `current` archives, oldest first: `closing` (the one that just
 * ended) and those before it back to the last one archived (`last`), at most `MAX_CLOSED` in all.
 *
 * @example
 * closedSince("week", new Date("2026-11-02"), new Date("2026-11-23")); // the weeks of 9 and 16 November
 */
export function closedSince(
  period: "week" | "month",
  last: Date | null,
  current: Date,
): { start: Date; end: Date }[] {
  const out: { start: Date; end: Date }[] = [];
  let start = periodStart(period, new Date(current.getTime() - 1));
  // the closing period always (a rerun finds it archived), then back to the last one archived
  do {
    out.unshift({ start, end: periodEnd(period, start) });
    start = periodStart(period, new Date(start.getTime() - 1));
  } while (out.length < MAX_CLOSED && (last === null || start > last));
  return out;
}

/**
 * `leaderboard-reset-weekly` / `-monthly`: at the start of a period, the closing period's final
 * board is archived and its top three announced in each chat. Resets missed before it (the
 * catch-up runs only the latest slot) are made up set-based: every closed period since the last
 * one archived (at most `MAX_CLOSED`) is archived in the same statement, but only the closing
 * one is announced — a podium weeks late would only flood the chat. The live ledger is
 * untouched, so nothing is destroyed, and a rerun finds the archive and the announcements there.
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
        const [{ last }] = await tx<{ last: Date | null }[]>`
          SELECT max(period_start) AS last FROM leaderboard_archive
          WHERE period = ${period} AND period_start < ${closing}`;
        const ranges = closedSince(period, last, current);
        const archived = await tx`
          INSERT INTO leaderboard_archive (chat_id, period, period_start, position, rank, user_id, score, reached_at)
          SELECT chat_id, ${period}, period_start, position, rank, user_id, score, reached_at
          FROM (${closedBoards(tx, period, ranges, BOARD_SIZE)}) b
          -- a chat archived by an earlier run keeps that board whole (who hid or showed since
          -- would otherwise shift the positions after it, and a member could be there twice)
          WHERE NOT EXISTS (
            SELECT 1 FROM leaderboard_archive a
            WHERE a.chat_id = b.chat_id AND a.period = ${period} AND a.period_start = b.period_start)
          ON CONFLICT DO NOTHING`;
        const announced = await tx`
          WITH langs AS (
            -- without the chat's own language, the one most of its podium speaks (as the
            -- level-up digest; English on a tie), once per chat
            SELECT DISTINCT ON (chat_id) chat_id, lang FROM (
              SELECT pa.chat_id, ${tx.unsafe(sqlLanguage("NULL", "pm.language_code"))} AS lang
              FROM leaderboard_archive pa
              JOIN members pm ON pm.chat_id = pa.chat_id AND pm.user_id = pa.user_id
              WHERE pa.period = ${period} AND pa.period_start = ${closing} AND pa.rank <= 3
            ) x
            GROUP BY chat_id, lang ORDER BY chat_id, count(*) DESC, lang = 'en' DESC, lang
          )
          INSERT INTO outbox (chat_id, text, dedupe_key)
          SELECT a.chat_id, ${tx.unsafe(finalBoardText(period, closing))},
                 'board-winners:' || ${period}::text || ':' || ${closing.toISOString()}::text || ':' || a.chat_id
          FROM leaderboard_archive a
          JOIN members m ON m.chat_id = a.chat_id AND m.user_id = a.user_id
          JOIN chats c ON c.chat_id = a.chat_id AND c.kind <> 'private'
          JOIN langs p ON p.chat_id = a.chat_id
          WHERE a.period = ${period} AND a.period_start = ${closing} AND a.rank <= 3
          GROUP BY a.chat_id, c.language, p.lang
          ON CONFLICT (dedupe_key) DO NOTHING`;
        return {
          processed: archived.count,
          changed: archived.count + announced.count,
          details: { announced: announced.count, periods: ranges.length },
        };
      });
    },
  });
}

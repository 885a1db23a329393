/**
 * Telegram's global limit, kept across replicas: the times the latest sends left are one row
 * in the database (`outbox_pace`), and a send is let out only if fewer than `perSecond` left
 * within the last second, whichever replica sent them. One short statement per send (30 a
 * second at most), serialised by that row's lock; the replica's own pacer still keeps every
 * other limit, and its own sends' windows run until they were answered.
 */
import type postgres from "postgres";

/** Telegram's window, and the margin the pacer also keeps (`MARGIN_MS` in pacer.ts). */
const WINDOW_MS = 1_002;

/**
 * Takes one send's place in the shared window at `now`: returns `now` if it was taken, else
 * the time the window opens again (nothing was taken then).
 */
export async function reserveSend(
  sql: postgres.Sql,
  now: Date,
  perSecond: number,
): Promise<number> {
  const from = new Date(now.getTime() - WINDOW_MS);
  const taken = await sql`
    UPDATE outbox_pace
    SET sent = ARRAY(SELECT t FROM unnest(sent) t WHERE t > ${from} ORDER BY t) || ${now}::timestamptz
    WHERE id = 1 AND (SELECT count(*) FROM unnest(sent) t WHERE t > ${from}) < ${perSecond}::int`;
  if (taken.count === 1) return now.getTime();
  const [row] = await sql<{ opens: Date | null }[]>`
    SELECT (ARRAY(SELECT t FROM unnest(sent) t WHERE t > ${from} ORDER BY t DESC))[${perSecond}::int] AS opens
    FROM outbox_pace WHERE id = 1`;
  if (!row) {
    // The row is the migration's; made again if someone deleted it.
    await sql`INSERT INTO outbox_pace DEFAULT VALUES ON CONFLICT (id) DO NOTHING`;
    return now.getTime() + 1;
  }
  // The perSecond-th latest send leaves the window WINDOW_MS after it left.
  return row.opens ? row.opens.getTime() + WINDOW_MS : now.getTime() + 1;
}

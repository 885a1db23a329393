import type postgres from "postgres";

/**
 * Counts `at` as activity of a member who earned XP by something other than a chat message (a
 * quiz, so far): the member's last activity and active days, and the streak by the same rule as
 * a group message (`award.ts`): it continues on a new UTC day after an active one, holds within
 * a day, and every seventh day in a row earns a protection (at most two held).
 *
 * Run it inside the transaction that paid, after the member's row was written (it locks it).
 */
export async function recordActivity(
  tx: postgres.TransactionSql,
  chatId: number,
  userId: number,
  at: Date,
): Promise<void> {
  await tx`
    UPDATE members SET
      days_active = days_active + CASE
        WHEN last_activity_at IS NULL
          OR (last_activity_at AT TIME ZONE 'UTC')::date < (${at}::timestamptz AT TIME ZONE 'UTC')::date
        THEN 1 ELSE 0 END,
      last_activity_at = greatest(last_activity_at, ${at}),
      updated_at = now()
    WHERE chat_id = ${chatId} AND user_id = ${userId}`;
  const newDay = tx`(s.last_activity_at AT TIME ZONE 'UTC')::date
    < (${at}::timestamptz AT TIME ZONE 'UTC')::date`;
  const next = tx`CASE WHEN NOT ${newDay} THEN greatest(s.current, 1)
    WHEN s.current > 0 THEN s.current + 1 ELSE 1 END`;
  await tx`
    INSERT INTO streaks AS s (chat_id, user_id, current, best, last_activity_at)
    VALUES (${chatId}, ${userId}, 1, 1, ${at})
    ON CONFLICT (chat_id, user_id) DO UPDATE SET
      current = ${next},
      best = greatest(s.best, ${next}),
      protections = CASE WHEN ${newDay} AND s.current > 0 AND (s.current + 1) % 7 = 0
        THEN least(2, s.protections + 1) ELSE s.protections END,
      last_activity_at = greatest(s.last_activity_at, ${at})`;
}

const DAY_MS = 86_400_000;
/** A streak breaks 48 h after the last activity (or when its protection ends, if later). */
export const STREAK_WINDOW_MS = 48 * 3_600_000;

/**
 * A streak as of `at`: what `streak-expiry` (which runs at 00:00 UTC) makes of it once `at` is
 * past its deadline — one protection spent per missed day, each pushing the deadline a day, or
 * broken without enough. The same rule as the trigger `streaks_deadline`
 * (db/migrations/0022_streak_deadline.sql), which applies it when the member comes back first
 * and records such a break for `streak-expiry` to say (0028_streak_broken_on_return.sql).
 */
export function streakAsOf(
  s: { current: number; protections: number; lastActivityAt: Date; protectedUntil: Date | null },
  at: Date,
): { current: number; protections: number; deadline: Date } {
  const deadline = new Date(
    Math.max(
      s.lastActivityAt.getTime() + STREAK_WINDOW_MS,
      s.protectedUntil?.getTime() ?? -Infinity,
    ),
  );
  if (s.current === 0 || at <= deadline) {
    return { current: s.current, protections: s.protections, deadline };
  }
  const days = Math.ceil((at.getTime() - deadline.getTime()) / DAY_MS);
  if (s.protections < days) return { current: 0, protections: 0, deadline };
  return {
    current: s.current,
    protections: s.protections - days,
    deadline: new Date(deadline.getTime() + days * DAY_MS),
  };
}

/**
 * Lives as of `at`: one comes back per `periodMs` since the last refill, up to the maximum
 * (`life-regen` writes them every half hour; a quiz, `/lives` and the profile count them as
 * owed already). `refill` is the refill time the count is as of.
 */
export function livesAsOf(
  l: { current: number; max: number; lastRefillAt: Date },
  at: Date,
  periodMs: number,
): { current: number; max: number; refill: Date } {
  const owed = l.current < l.max
    ? Math.max(0, Math.floor((at.getTime() - l.lastRefillAt.getTime()) / periodMs))
    : 0;
  const current = Math.min(l.max, l.current + owed);
  const refill = current >= l.max ? at : new Date(l.lastRefillAt.getTime() + owed * periodMs);
  return { current, max: l.max, refill };
}

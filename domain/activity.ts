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

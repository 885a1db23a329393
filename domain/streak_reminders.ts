import { defineJob, type JobSpec } from "../actors/job.ts";
import { sqlChatTitle, sqlDuration, sqlLanguage, sqlMessage } from "./job_texts.ts";

/** How long a streak lives after the last activity (seed 000 G5.2; `streak-expiry`). */
const STREAK_LIFE = "48 hours";

/**
 * `streak-reminders` (every 15 min; seed 004's notification checks). As of the run's slot, a
 * member whose streak in a group ends within `hours` — 48 h after the last activity, or at
 * the end of a spent protection, with no protection left to spend — gets one private reminder
 * per deadline (chatting again, or a protection spent, sets a new one; keyed by the UTC day of
 * the last activity, a reminder sent over a day ahead hid the next), in their language: the
 * chat's, else their Telegram one's, else English. Never to members who
 * have not started the bot or are unreachable, never during the chat's quiet hours (local
 * [start, end) in the chat's zone, else `defaultZone`); a reminder whose window falls wholly
 * in quiet hours is not sent. The message keeps the group's quiet hours at its send too (an
 * outbox reaching it in them holds it until they end, on every replica), and expires when the
 * streak does: never sent late, but dropped as `expired` with the reason.
 *
 * One set-based statement: two index ranges find the streaks ending in the window; the
 * outbox's dedupe key makes a rerun of the slot, or a second replica, send nothing more.
 */
export function streakRemindersJob(options: { hours: number; defaultZone: string }): JobSpec {
  return defineJob({
    name: "streak-reminders",
    description: "Reminds members privately that their streak ends within a few hours",
    schedule: "*/15 * * * *",
    timeout: "5m",
    async run(ctx) {
      const at = ctx.scheduledFor;
      const horizon = new Date(at.getTime() + options.hours * 3_600_000);
      const minutesLeft = "(extract(epoch FROM d.deadline - d.at) / 60)::int";
      const text = sqlMessage("streak-reminder", "d.lang", {
        days: { number: "d.current" },
        left: { text: sqlDuration(minutesLeft) },
        chat: sqlChatTitle("d.title"),
      });
      const [r] = await ctx.db<{ due: number; sent: number }[]>`
        WITH ending AS (
          SELECT chat_id, user_id FROM streaks
          WHERE current > 0 AND last_activity_at > ${at}::timestamptz - ${STREAK_LIFE}::interval
            AND last_activity_at <= ${horizon}::timestamptz - ${STREAK_LIFE}::interval
          UNION
          SELECT chat_id, user_id FROM streaks
          WHERE current > 0 AND protected_until IS NOT NULL
            AND protected_until > ${at} AND protected_until <= ${horizon}
        ), due AS (
          SELECT s.chat_id, s.user_id, s.current, s.last_activity_at, ${at}::timestamptz AS at,
                 greatest(s.last_activity_at + ${STREAK_LIFE}::interval,
                          coalesce(s.protected_until, '-infinity')) AS deadline,
                 ch.title,
                 ${ctx.db.unsafe(sqlLanguage("ch.language", "m.language_code"))} AS lang,
                 (${at}::timestamptz AT TIME ZONE coalesce(ch.time_zone, ${options.defaultZone}))::time
                   AS local_time,
                 ch.quiet_start, ch.quiet_end
          FROM ending e
          JOIN streaks s ON s.chat_id = e.chat_id AND s.user_id = e.user_id
          JOIN members m ON m.chat_id = e.chat_id AND m.user_id = e.user_id
          JOIN chats ch ON ch.chat_id = e.chat_id
          WHERE s.current > 0 AND s.protections = 0 AND m.started_bot AND NOT m.unreachable
        ), sendable AS (
          SELECT * FROM due d
          WHERE d.deadline > d.at AND d.deadline <= ${horizon}
            AND NOT CASE
              WHEN d.quiet_start < d.quiet_end THEN d.local_time >= d.quiet_start AND d.local_time < d.quiet_end
              WHEN d.quiet_start > d.quiet_end THEN d.local_time >= d.quiet_start OR d.local_time < d.quiet_end
              ELSE false END
        ), sent AS (
          INSERT INTO outbox (chat_id, text, dedupe_key, expires_at, quiet_chat_id, quiet_zone)
          SELECT d.user_id,
                 ${ctx.db.unsafe(text)},
                 'streak-reminder:' || d.chat_id || ':' || d.user_id || ':'
                   || extract(epoch FROM d.deadline)::bigint,
                 d.deadline, d.chat_id, ${options.defaultZone}
          FROM sendable d
          -- a reminder queued before the key was the deadline's (by the day): the same one
          WHERE NOT EXISTS (
            SELECT 1 FROM outbox o
            WHERE o.dedupe_key = 'streak-reminder:' || d.chat_id || ':' || d.user_id || ':'
                                   || to_char(d.last_activity_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')
              AND o.expires_at = d.deadline)
          ON CONFLICT (dedupe_key) DO NOTHING
          RETURNING 1
        )
        SELECT (SELECT count(*) FROM due)::int AS due, (SELECT count(*) FROM sent)::int AS sent`;
      return { processed: r.due, changed: r.sent, details: { reminded: r.sent } };
    },
  });
}

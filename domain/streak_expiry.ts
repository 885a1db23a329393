import { defineJob, type JobContext, type JobSpec } from "../actors/job.ts";
import { walkMembers } from "./batches.ts";
import { sqlChatTitle, sqlLanguage, sqlMessage } from "./job_texts.ts";

/**
 * `streak-expiry` (seed 000 G5.2, seed 002 #055), as of the run's slot: a streak whose
 * deadline passed — 48 h after the last activity, or the end of a protection — spends one
 * protection per missed day (each pushes the deadline 24 h); without enough protections it
 * breaks: `streak_broken` event and a private message, in the same transaction, in the
 * member's language (the chat's setting, else their Telegram one, else English).
 *
 * A member who came back past the deadline before this run met the rule at once (the trigger
 * of db/migrations/0022 and 0028), which wrote the `streak_broken` event with no slot: the run
 * stamps each such event whose return is not after its slot, and queues its message, once
 * (`brokenOnReturn` in the details).
 */
export function streakExpiryJob(
  options: { batchSize?: number; afterBatch?: (n: number) => void; concurrency?: number } = {},
): JobSpec {
  return defineJob({
    name: "streak-expiry",
    description: "Breaks streaks idle for more than 48 h, spending protections first",
    schedule: "0 0 * * *",
    timeout: "30m",
    catchUp: { policy: "once" },
    async run(ctx) {
      const at = ctx.scheduledFor;
      const text = sqlMessage("streak-broken", "d.lang", {
        days: { number: "d.length" },
        chat: sqlChatTitle("d.title"),
      });
      // This run's breaks (a rerun of the slot finds the earlier run's events, and changes none)
      const [{ since }] = await ctx.db<{ since: Date }[]>`SELECT now() AS since`;
      const walked = await walkMembers(ctx, (tx, after) =>
        tx`
          batch AS (
            SELECT chat_id, user_id, current, protections, last_activity_at,
                   greatest(last_activity_at + interval '48 hours', coalesce(protected_until, '-infinity')) AS deadline
            FROM streaks
            WHERE current > 0 AND ${after}
            ORDER BY chat_id, user_id
            LIMIT ${options.batchSize ?? 5_000}
            FOR UPDATE
          ), due AS (
            SELECT *, ceil(extract(epoch FROM (${at}::timestamptz - deadline)) / 86400)::int AS days
            FROM batch WHERE ${at}::timestamptz > deadline
          ), changed AS (
            UPDATE streaks s SET
              protections = CASE WHEN d.protections >= d.days THEN d.protections - d.days ELSE 0 END,
              protected_until = CASE WHEN d.protections >= d.days THEN d.deadline + d.days * interval '24 hours' END,
              current = CASE WHEN d.protections >= d.days THEN s.current ELSE 0 END
            FROM due d
            WHERE s.chat_id = d.chat_id AND s.user_id = d.user_id
            RETURNING s.chat_id, s.user_id, d.current AS length, d.last_activity_at, d.protections >= d.days AS protected
          ), events AS (
            INSERT INTO events (kind, chat_id, user_id, job, slot, payload, dedupe_key)
            SELECT 'streak_broken', c.chat_id, c.user_id, 'streak-expiry', ${at},
                   json_build_object('length', c.length, 'lastActivityAt', c.last_activity_at),
                   'streak_broken:' || c.chat_id || ':' || c.user_id || ':' || extract(epoch FROM c.last_activity_at)::bigint
            FROM changed c WHERE NOT c.protected
            ON CONFLICT (dedupe_key) DO NOTHING
          ), messages AS (
            INSERT INTO outbox (chat_id, text, dedupe_key)
            SELECT d.user_id, ${tx.unsafe(text)},
                   'streak-broken-dm:' || d.chat_id || ':' || d.user_id || ':' || extract(epoch FROM d.last_activity_at)::bigint
            FROM (
              SELECT c.*, ch.title, ${
          tx.unsafe(sqlLanguage("ch.language", "m.language_code"))
        } AS lang
              FROM changed c
              JOIN members m ON m.chat_id = c.chat_id AND m.user_id = c.user_id
              JOIN chats ch ON ch.chat_id = c.chat_id
              WHERE NOT c.protected AND m.started_bot AND NOT m.unreachable
            ) d
            ON CONFLICT (dedupe_key) DO NOTHING
          )`, { afterBatch: options.afterBatch, concurrency: options.concurrency });
      const brokenOnReturn = await stampReturns(ctx, options.batchSize ?? 5_000);
      const [broken] = await ctx.db<{ n: number }[]>`
        SELECT count(*)::int AS n FROM events
        WHERE job = 'streak-expiry' AND slot = ${at} AND kind = 'streak_broken'
          AND created_at >= ${since}`;
      return {
        processed: walked.processed,
        changed: walked.changed,
        details: { broken: broken.n, brokenOnReturn, protectionsSpent: walked.changed - broken.n },
      };
    },
  });
}

/**
 * Stamps the breaks met on return (events with no slot, whose return is not after the slot)
 * with the run's slot and queues each member's message, in batches; returns how many. A rerun
 * finds them stamped; the message's dedupe key is the job's own, so a break is said once.
 */
async function stampReturns(ctx: JobContext, batchSize: number): Promise<number> {
  const at = ctx.scheduledFor;
  const text = sqlMessage("streak-broken-returned", "d.lang", {
    days: { number: "d.length" },
    chat: sqlChatTitle("d.title"),
  });
  let total = 0;
  for (;;) {
    ctx.signal.throwIfAborted();
    const [{ n }] = await ctx.db<{ n: number }[]>`
      WITH stamped AS (
        UPDATE events SET slot = ${at}
        WHERE id IN (
          SELECT id FROM events
          WHERE kind = 'streak_broken' AND slot IS NULL
            AND (payload->>'returnedAt')::timestamptz <= ${at}::timestamptz
          ORDER BY id LIMIT ${batchSize}
          FOR UPDATE SKIP LOCKED
        )
        RETURNING chat_id, user_id, (payload->>'length')::int AS length,
                  (payload->>'lastActivityAt')::timestamptz AS last_activity_at
      ), messages AS (
        INSERT INTO outbox (chat_id, text, dedupe_key)
        SELECT d.user_id, ${ctx.db.unsafe(text)},
               'streak-broken-dm:' || d.chat_id || ':' || d.user_id || ':' || extract(epoch FROM d.last_activity_at)::bigint
        FROM (
          SELECT s.*, ch.title, ${
      ctx.db.unsafe(sqlLanguage("ch.language", "m.language_code"))
    } AS lang
          FROM stamped s
          JOIN members m ON m.chat_id = s.chat_id AND m.user_id = s.user_id
          JOIN chats ch ON ch.chat_id = s.chat_id
          WHERE m.started_bot AND NOT m.unreachable
        ) d
        ON CONFLICT (dedupe_key) DO NOTHING
      )
      SELECT count(*)::int AS n FROM stamped`;
    total += n;
    if (n < batchSize) return total;
  }
}

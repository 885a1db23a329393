import { defineJob, type JobSpec } from "../actors/job.ts";
import { walkBatches } from "./batches.ts";

/** Quiz sessions time out after this long (seed 002 #056). */
export const SESSION_TIMEOUT_MINUTES = 10;

/**
 * `quiz-session-cleanup`: active sessions whose `expires_at` passed (as of the run's slot)
 * become `expired`, each with a `quiz_abandoned` event in the same transaction.
 */
export function quizCleanupJob(options: { batchSize?: number } = {}): JobSpec {
  return defineJob({
    name: "quiz-session-cleanup",
    description: "Expires quiz sessions past their deadline (10 min) and records them as abandoned",
    schedule: "0 * * * *",
    timeout: "10m",
    async run(ctx) {
      const at = ctx.scheduledFor;
      const walked = await walkBatches(ctx, 0, async (tx, after) => {
        const [r] = await tx<{ scanned: number; changed: number; last: number | null }[]>`
          WITH batch AS (
            SELECT id FROM quiz_sessions
            WHERE status = 'active' AND expires_at < ${at} AND id > ${after}
            ORDER BY id LIMIT ${options.batchSize ?? 5_000}
            FOR UPDATE
          ), changed AS (
            UPDATE quiz_sessions q SET status = 'expired', completed_at = ${at}
            FROM batch b WHERE q.id = b.id
            RETURNING q.id, q.chat_id, q.user_id, q.started_at
          ), events AS (
            INSERT INTO events (kind, chat_id, user_id, job, slot, payload, dedupe_key)
            SELECT 'quiz_abandoned', c.chat_id, c.user_id, 'quiz-session-cleanup', ${at},
                   json_build_object('session', c.id, 'startedAt', c.started_at), 'quiz_abandoned:' || c.id
            FROM changed c
            ON CONFLICT (dedupe_key) DO NOTHING
          )
          SELECT (SELECT count(*)::int FROM batch) AS scanned, (SELECT count(*)::int FROM changed) AS changed,
                 (SELECT max(id) FROM batch) AS last`;
        return { scanned: r.scanned, changed: r.changed, last: r.last };
      });
      return { processed: walked.processed, changed: walked.changed };
    },
  });
}

import { defineJob, type JobSpec } from "../actors/job.ts";
import { walkMembers } from "./batches.ts";

/** One life per this many minutes (seed 002 #054). */
export const LIFE_PERIOD_MINUTES = 30;

/**
 * `life-regen`: lives below the max regain one per whole period owed since the last refill,
 * as of the run's slot. The refill time advances by whole periods, so partial progress
 * is kept; a member who reaches the max starts counting afresh from the slot.
 */
export function lifeRegenJob(
  options: { batchSize?: number; concurrency?: number } = {},
): JobSpec {
  return defineJob({
    name: "life-regen",
    description: "Gives back one life per 30 minutes owed, up to the max (5)",
    schedule: "*/30 * * * *",
    timeout: "10m",
    async run(ctx) {
      const at = ctx.scheduledFor;
      const walked = await walkMembers(ctx, (tx, after) =>
        tx`
          batch AS (
            SELECT chat_id, user_id, current, max,
                   floor(extract(epoch FROM (${at}::timestamptz - last_refill_at)) / ${
          LIFE_PERIOD_MINUTES * 60
        })::int AS owed
            FROM lives
            WHERE current < max AND ${after}
            ORDER BY chat_id, user_id
            LIMIT ${options.batchSize ?? 5_000}
            FOR UPDATE
          ), changed AS (
            UPDATE lives l SET
              current = least(b.max, b.current + b.owed),
              last_refill_at = CASE
                WHEN b.current + b.owed >= b.max THEN ${at}::timestamptz
                ELSE l.last_refill_at + b.owed * ${LIFE_PERIOD_MINUTES} * interval '1 minute'
              END
            FROM batch b
            WHERE l.chat_id = b.chat_id AND l.user_id = b.user_id AND b.owed > 0
            RETURNING l.chat_id
          )`, { concurrency: options.concurrency });
      return { processed: walked.processed, changed: walked.changed };
    },
  });
}

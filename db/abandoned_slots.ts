import type postgres from "postgres";
import type { AbandonedSlot, AbandonedWindow } from "../actors/run_store.ts";
import type { Trigger } from "../actors/job.ts";
import { SHUTDOWN_CUT } from "../actors/run_store.ts";

/** The abandoned runs a control pass may hand again (see `RunStore.abandonedSlots`). */
export async function abandonedSlots(
  sql: postgres.Sql,
  windows: AbandonedWindow[],
): Promise<AbandonedSlot[]> {
  // Only rows that can be acted on, so none can crowd out another (a job's own at most
  // 100): not paused, within the job's grace, not yet taken, and a retry only when it is
  // of a scheduled slot (a cron or catch-up row holds it) with attempts left (a shutdown's
  // cut spends none).
  const rows = await sql<
    {
      id: string;
      job: string;
      scheduled_for: Date;
      trigger: Trigger;
      attempt: number;
      cut: boolean;
    }[]
  >`
      SELECT r.id, r.job, r.scheduled_for, r.trigger, r.attempt, r.cut
      FROM unnest(${windows.map((w) => w.job)}::text[],
                  ${windows.map((w) => w.since.toISOString())}::timestamptz[],
                  ${windows.map((w) => w.attempts)}::int[]) AS w(job, since, attempts)
      CROSS JOIN LATERAL (
        SELECT r.id, r.job, r.scheduled_for, r.trigger, r.attempt,
               coalesce(starts_with(r.error, ${SHUTDOWN_CUT}), false) AS cut
        FROM job_runs r
        WHERE r.job = w.job AND r.outcome = 'abandoned' AND r.scheduled_for >= w.since
          AND (r.trigger IN ('cron', 'catch-up')
               OR (r.trigger = 'retry'
                   AND (r.attempt < w.attempts OR starts_with(r.error, ${SHUTDOWN_CUT}))
                   AND EXISTS (SELECT 1 FROM job_runs s WHERE s.job = r.job
                                 AND s.scheduled_for = r.scheduled_for
                                 AND s.trigger IN ('cron', 'catch-up'))))
          AND NOT EXISTS (SELECT 1 FROM job_runs x WHERE x.retry_of = r.id)
        ORDER BY r.scheduled_for LIMIT 100) r
      WHERE NOT EXISTS (SELECT 1 FROM job_state p WHERE p.job = w.job AND p.paused)
      ORDER BY r.scheduled_for, r.id`;
  return rows.map((r) => ({
    runId: r.id,
    job: r.job,
    scheduledFor: r.scheduled_for,
    trigger: r.trigger,
    attempt: r.attempt,
    cut: r.cut,
  }));
}

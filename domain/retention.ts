import type postgres from "postgres";
import { defineJob, type JobContext, type JobSpec } from "../actors/job.ts";

/** How long each kind of finished row is kept, in days. The XP ledger is kept for ever. */
export interface Retention {
  outboxDays: number;
  runHistoryDays: number;
  eventsDays: number;
  quizDays: number;
  metricsDays: number;
}

/** Every job keeps at least its newest runs, however old: health and history read them. */
export const KEEP_RUNS_PER_JOB = 100;

type Tx = postgres.TransactionSql;
type Fragment = ReturnType<Tx["unsafe"]>;

/**
 * One kind of row to forget: `doomed` selects the row addresses (`ctid`) of at most `limit` of
 * them, oldest first, through an index. Each batch is one short DELETE by those addresses (a TID
 * scan, twice as fast as joining back on the key); a row changed meanwhile has moved to a new
 * address, is left alone, and waits for the next run.
 */
interface Target {
  table: string;
  doomed(tx: Tx, cutoff: Date, limit: number): Fragment;
}

const day = 86_400_000;

function targets(r: Retention, floors: string): Array<Target & { days: number }> {
  return [
    {
      table: "outbox",
      days: r.outboxDays,
      doomed: (tx, cutoff, limit) =>
        tx`SELECT ctid FROM outbox
           WHERE state IN ('sent', 'dropped', 'failed', 'expired', 'discarded')
             AND coalesce(sent_at, created_at) < ${cutoff}
           ORDER BY coalesce(sent_at, created_at) LIMIT ${limit}`,
    },
    {
      table: "job_runs",
      days: r.runHistoryDays,
      // Older than the cutoff and than the job's 100th newest run (`floors`, read once a run).
      doomed: (tx, cutoff, limit) =>
        tx`SELECT r.ctid FROM job_runs r
           JOIN json_to_recordset(${floors}::text::json) AS f(job text, floor timestamptz) ON f.job = r.job
           WHERE r.outcome <> 'running' AND r.finished_at < ${cutoff} AND r.started_at < f.floor
           ORDER BY r.finished_at LIMIT ${limit}`,
    },
    {
      table: "events",
      days: r.eventsDays,
      doomed: (tx, cutoff, limit) =>
        tx`SELECT ctid FROM events WHERE created_at < ${cutoff}
           ORDER BY created_at LIMIT ${limit}`,
    },
    {
      table: "quiz_sessions",
      days: r.quizDays,
      doomed: (tx, cutoff, limit) =>
        tx`SELECT ctid FROM quiz_sessions
           WHERE status <> 'active' AND coalesce(completed_at, expires_at) < ${cutoff}
           ORDER BY coalesce(completed_at, expires_at) LIMIT ${limit}`,
    },
    {
      table: "chat_metrics",
      days: r.metricsDays,
      doomed: (tx, cutoff, limit) =>
        tx`SELECT ctid FROM chat_metrics WHERE at < ${cutoff} ORDER BY at LIMIT ${limit}`,
    },
    {
      // A signed-out session's mark, once the session would have expired anyway.
      table: "dashboard_revoked_sessions",
      days: 0,
      doomed: (tx, cutoff, limit) =>
        tx`SELECT ctid FROM dashboard_revoked_sessions WHERE expires_at < ${cutoff}
           ORDER BY expires_at LIMIT ${limit}`,
    },
    {
      // A sent Run now form's id, kept a day against a second send of the same form.
      table: "dashboard_forms",
      days: 0,
      doomed: (tx, cutoff, limit) =>
        tx`SELECT ctid FROM dashboard_forms WHERE expires_at < ${cutoff}
           ORDER BY expires_at LIMIT ${limit}`,
    },
  ];
}

/** Per job, the start of its `KEEP_RUNS_PER_JOB`-th newest run (jobs with fewer are absent). */
async function runFloors(sql: postgres.Sql): Promise<string> {
  // A loose index scan over job_runs_history: one probe per job, not a scan of the table.
  const rows = await sql<{ job: string; floor: Date }[]>`
    WITH RECURSIVE jobs AS (
      (SELECT job FROM job_runs ORDER BY job LIMIT 1)
      UNION ALL
      SELECT (SELECT job FROM job_runs WHERE job > jobs.job ORDER BY job LIMIT 1)
      FROM jobs WHERE jobs.job IS NOT NULL
    )
    SELECT job, (SELECT started_at FROM job_runs k WHERE k.job = jobs.job
                 ORDER BY started_at DESC LIMIT 1 OFFSET ${KEEP_RUNS_PER_JOB - 1}) AS floor
    FROM jobs WHERE job IS NOT NULL`;
  return JSON.stringify(rows.filter((r) => r.floor !== null));
}

/** Deletes `target`'s rows older than `cutoff`, `batchSize` per transaction, until none is left. */
async function forget(ctx: JobContext, target: Target, cutoff: Date, batchSize: number) {
  let deleted = 0;
  for (;;) {
    ctx.signal.throwIfAborted();
    const gone = await ctx.db.begin((tx) =>
      tx`DELETE FROM ${tx(target.table)}
         WHERE ctid = ANY(ARRAY(${target.doomed(tx, cutoff, batchSize)}))`
    );
    deleted += gone.count;
    ctx.progress({ processed: deleted, note: target.table });
    if (gone.count < batchSize) return deleted;
  }
}

/**
 * `retention-cleanup` (hourly): deletes finished rows past their retention, as of the run's
 * slot: delivered, dropped, failed, expired and discarded outbox rows, finished run history (each job keeps its
 * newest 100 runs whatever their age), events, finished quiz sessions, metric snapshots and the marks of dashboard sessions signed out that
 * have expired since. Never the XP
 * ledger, never a pending notification, never a running run. Bounded batches (20,000 rows),
 * each its own transaction with row locks only; a run stopped midway leaves whole batches done,
 * and the next run goes on from there. Running a slot twice deletes nothing more.
 */
export function retentionJob(retention: Retention, options: { batchSize?: number } = {}): JobSpec {
  const batchSize = options.batchSize ?? 20_000;
  return defineJob({
    name: "retention-cleanup",
    description:
      "Deletes finished outbox rows, run history, events, quiz sessions, metric snapshots and expired sign-outs past their retention",
    schedule: "30 * * * *",
    timeout: "30m",
    async run(ctx) {
      const floors = await runFloors(ctx.db);
      const details: Record<string, number> = {};
      let changed = 0;
      for (const target of targets(retention, floors)) {
        const cutoff = new Date(ctx.scheduledFor.getTime() - target.days * day);
        details[target.table] = await forget(ctx, target, cutoff, batchSize);
        changed += details[target.table];
      }
      return { processed: changed, changed, details };
    },
  });
}

import type postgres from "postgres";
import type { Counter, FinalOutcome, RunRecord, RunStore } from "../actors/run_store.ts";
import type { RunOutcome } from "../actors/health.ts";
import type { RunResult, Trigger } from "../actors/job.ts";

type Sql = postgres.Sql;

interface RunRow {
  id: string;
  job: string;
  scheduled_for: Date;
  trigger: Trigger;
  node: string;
  outcome: RunOutcome;
  attempt: number;
  started_at: Date;
  finished_at: Date | null;
  duration_ms: number | null;
  result: RunResult | null;
  error: string | null;
}

const COLUMNS =
  "id, job, scheduled_for, trigger, node, outcome, attempt, started_at, finished_at, " +
  "(extract(epoch from finished_at - started_at) * 1000)::int AS duration_ms, result, error";

function toRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    job: row.job,
    scheduledFor: row.scheduled_for,
    trigger: row.trigger,
    node: row.node,
    outcome: row.outcome,
    attempt: row.attempt,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    result: row.result,
    error: row.error,
  };
}

/** What the database knows of a job: for `jobs status` when no server is asked. */
export interface JobSummary {
  job: string;
  paused: boolean;
  lastRun: RunRecord | null;
  lastSuccessAt: Date | null;
  consecutiveFailures: number;
}

/** The run store on Postgres: claims, leases, outcomes, pause state and counters. */
export interface PgRunStore extends RunStore {
  /** One summary per named job, in one statement. */
  summaries(jobs: string[]): Promise<JobSummary[]>;
  /** Marks running runs whose lease expired as abandoned; returns them. */
  rescue(): Promise<RunRecord[]>;
  /** The runs of a job, newest first. */
  history(job: string, limit: number): Promise<RunRecord[]>;
  /** The database's clock. */
  now(): Promise<Date>;
}

/** Makes the Postgres run store. Every statement is one round trip. */
export function pgRunStore(sql: Sql): PgRunStore {
  const runs = sql.unsafe.bind(sql);
  return {
    async claim(r) {
      const rows = await runs<RunRow[]>(
        `INSERT INTO job_runs (id, job, scheduled_for, trigger, node, outcome, attempt, lease_expires_at)
         VALUES ($1, $2, $3, $4, $5, 'running', $6, now() + $7 * interval '1 millisecond')
         ON CONFLICT DO NOTHING
         RETURNING ${COLUMNS}`,
        [r.id, r.job, r.scheduledFor.toISOString(), r.trigger, r.node, r.attempt, r.leaseMs],
      );
      return rows[0] ? toRecord(rows[0]) : null;
    },
    async renew(runId, node, leaseMs) {
      const rows = await sql`
        UPDATE job_runs SET lease_expires_at = now() + ${leaseMs} * interval '1 millisecond'
        WHERE id = ${runId} AND node = ${node} AND outcome = 'running'
        RETURNING id`;
      return rows.length === 1;
    },
    async finish(runId, node, o: FinalOutcome) {
      const error = "error" in o ? o.error : null;
      const rows = await runs<RunRow[]>(
        `UPDATE job_runs
         SET outcome = $3, finished_at = now(), lease_expires_at = NULL, result = $4::text::jsonb, error = $5
         WHERE id = $1 AND node = $2 AND outcome = 'running'
         RETURNING ${COLUMNS}`,
        [runId, node, o.outcome, o.result === undefined ? null : JSON.stringify(o.result), error],
      );
      return rows[0] ? toRecord(rows[0]) : null;
    },
    async count(job, node, counter: Counter) {
      await sql`
        INSERT INTO job_counters (job, node, counter, value) VALUES (${job}, ${node}, ${counter}, 1)
        ON CONFLICT (job, node, counter) DO UPDATE SET value = job_counters.value + 1`;
    },
    async isPaused(job) {
      const [row] = await sql<
        { paused: boolean }[]
      >`SELECT paused FROM job_state WHERE job = ${job}`;
      return row?.paused ?? false;
    },
    async setPaused(job, paused) {
      await sql`
        INSERT INTO job_state (job, paused, updated_at) VALUES (${job}, ${paused}, now())
        ON CONFLICT (job) DO UPDATE SET paused = EXCLUDED.paused, updated_at = now()`;
    },
    async lastSlot(job) {
      const [row] = await sql<{ last: Date | null }[]>`
        SELECT max(scheduled_for) AS last FROM job_runs
        WHERE job = ${job} AND trigger IN ('cron', 'catch-up')`;
      return row.last;
    },
    async recordSkipped(job, node, slots, reason) {
      if (slots.length === 0) return;
      await sql`
        INSERT INTO job_runs (id, job, scheduled_for, trigger, node, outcome, finished_at, error)
        SELECT gen_random_uuid(), ${job}, s, 'catch-up', ${node}, 'skipped', now(), ${reason}
        FROM unnest(${slots.map((s) => s.toISOString())}::timestamptz[]) AS s
        ON CONFLICT DO NOTHING`;
    },
    async releaseLeases(node) {
      await sql`UPDATE job_runs SET lease_expires_at = now() WHERE node = ${node} AND outcome = 'running'`;
    },
    async rescue() {
      const rows = await runs<RunRow[]>(
        `UPDATE job_runs
         SET outcome = 'abandoned', finished_at = now(), lease_expires_at = NULL,
             error = 'lease expired: node ' || node || ' stopped renewing it'
         WHERE outcome = 'running' AND lease_expires_at < now()
         RETURNING ${COLUMNS}`,
      );
      return rows.map(toRecord);
    },
    async history(job, limit) {
      const rows = await runs<RunRow[]>(
        `SELECT ${COLUMNS} FROM job_runs WHERE job = $1 ORDER BY started_at DESC, id LIMIT $2`,
        [job, limit],
      );
      return rows.map(toRecord);
    },
    async recordFailures(failures) {
      if (failures.length === 0) return;
      await sql`
        INSERT INTO job_runs (id, job, scheduled_for, trigger, node, outcome, attempt, started_at, finished_at, error)
        SELECT f.id, f.job, f."scheduledFor", f.trigger, f.node, 'failed', f.attempt, f."startedAt", now(), f.error
        FROM json_to_recordset(${JSON.stringify(failures)}::text::json) AS f(
          id uuid, job text, "scheduledFor" timestamptz, trigger text, node text, attempt int,
          "startedAt" timestamptz, error text)
        ON CONFLICT DO NOTHING`;
    },
    async summaries(jobs) {
      const rows = await runs<
        (RunRow & { name: string; paused: boolean; last_success: Date | null; failures: number })[]
      >(
        `WITH names AS (SELECT unnest($1::text[]) AS name),
         last AS (
           SELECT DISTINCT ON (job) ${COLUMNS} FROM job_runs
           WHERE job = ANY($1) AND outcome <> 'skipped' ORDER BY job, started_at DESC),
         ok AS (
           SELECT job, max(finished_at) AS last_success FROM job_runs
           WHERE job = ANY($1) AND outcome = 'succeeded' GROUP BY job),
         fails AS (
           SELECT r.job, count(*)::int AS failures FROM job_runs r LEFT JOIN ok USING (job)
           WHERE r.job = ANY($1) AND r.outcome IN ('failed', 'abandoned')
             AND (ok.last_success IS NULL OR r.started_at > ok.last_success)
           GROUP BY r.job)
         SELECT n.name, coalesce(s.paused, false) AS paused, ok.last_success,
                coalesce(f.failures, 0) AS failures, last.*
         FROM names n
         LEFT JOIN job_state s ON s.job = n.name
         LEFT JOIN last ON last.job = n.name
         LEFT JOIN ok ON ok.job = n.name
         LEFT JOIN fails f ON f.job = n.name`,
        [jobs],
      );
      const byName = new Map(rows.map((r) => [r.name, r]));
      return jobs.map((job) => {
        const r = byName.get(job)!;
        return {
          job,
          paused: r.paused,
          lastRun: r.id ? toRecord(r) : null,
          lastSuccessAt: r.last_success,
          consecutiveFailures: r.failures,
        };
      });
    },
    async now() {
      const [row] = await sql<{ now: Date }[]>`SELECT now() AS now`;
      return row.now;
    },
  };
}

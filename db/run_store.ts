import type postgres from "postgres";
import type {
  Counter,
  FinalOutcome,
  JobSummary,
  RunRecord,
  RunStore,
} from "../actors/run_store.ts";
import type { RunOutcome } from "../actors/health.ts";
import type { RunResult, Trigger } from "../actors/job.ts";
import { abandonedSlots } from "./abandoned_slots.ts";

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

export type { JobSummary };

/** The channel on which pause and resume reach every replica at once. */
export const CONTROL_CHANNEL = "warden_control";

/** A run row read back from JSON (a lateral subquery's `to_jsonb`). */
function fromJson(row: Record<string, unknown> | null): RunRecord | null {
  if (!row) return null;
  const date = (v: unknown) => (v == null ? null : new Date(v as string));
  return toRecord({
    ...(row as unknown as RunRow),
    scheduled_for: date(row.scheduled_for)!,
    started_at: date(row.started_at)!,
    finished_at: date(row.finished_at),
  });
}

/** The run store on Postgres: claims, leases, outcomes, pause state and counters. */
export interface PgRunStore extends RunStore {
  /** Marks running runs whose lease expired as abandoned; returns them. */
  rescue(): Promise<RunRecord[]>;
  /** The runs of a job, newest first. */
  history(job: string, limit: number): Promise<RunRecord[]>;
  /** The database's clock. */
  now(): Promise<Date>;
}

/**
 * Makes the Postgres run store. Every statement is one round trip. With `listen`, `watch`
 * uses LISTEN/NOTIFY (a server; the embedded database's one connection cannot listen).
 */
export function pgRunStore(sql: Sql, options: { listen?: boolean } = {}): PgRunStore {
  const runs = sql.unsafe.bind(sql);
  return {
    async claim(r) {
      const rows = await runs<RunRow[]>(
        `INSERT INTO job_runs (id, job, scheduled_for, trigger, node, outcome, attempt, lease_expires_at, retry_of)
         VALUES ($1, $2, $3, $4, $5, 'running', $6, now() + $7 * interval '1 millisecond', $8)
         ON CONFLICT DO NOTHING
         RETURNING ${COLUMNS}`,
        [
          r.id,
          r.job,
          r.scheduledFor.toISOString(),
          r.trigger,
          r.node,
          r.attempt,
          r.leaseMs,
          r.retryOf ?? null,
        ],
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
      // A run abandoned only because its lease ran out while the database was away keeps its
      // own failure: the late writer is the node that ran it, and the error is the real one.
      const rows = await runs<RunRow[]>(
        `UPDATE job_runs
         SET outcome = $3, finished_at = coalesce(finished_at, now()), lease_expires_at = NULL,
             result = $4::text::jsonb, error = $5
         WHERE id = $1 AND node = $2
           AND (outcome = 'running'
                OR ($3 = 'failed' AND outcome = 'abandoned' AND error LIKE 'lease expired:%'))
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
      const jobs = typeof job === "string" ? [job] : job;
      // Rows taken in name order, as register takes them: a pause of several jobs waits for
      // neither a starting replica nor another pause in a circle. Each name once: an upsert
      // that meets its own row again fails ("cannot affect row a second time").
      await sql`
        WITH changed AS (
          INSERT INTO job_state (job, paused, updated_at)
          SELECT DISTINCT j, ${paused}::boolean, now() FROM unnest(${jobs}::text[]) AS j
          ORDER BY j
          ON CONFLICT (job) DO UPDATE SET paused = EXCLUDED.paused,
            updated_at = CASE WHEN job_state.paused = EXCLUDED.paused THEN job_state.updated_at ELSE now() END
          RETURNING job)
        SELECT pg_notify(${CONTROL_CHANNEL}, (SELECT count(*) FROM changed)::text)`;
    },
    abandonedSlots: (windows) => abandonedSlots(sql, windows),
    watch: options.listen
      ? async (onChange) => {
        const { unlisten } = await sql.listen(CONTROL_CHANNEL, () => onChange());
        return unlisten;
      }
      : undefined,
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
    async register(jobs, at) {
      // A registered row is left out before the upsert: ON CONFLICT DO UPDATE locks every row it
      // meets, WHERE or not, and a starting replica must not queue behind (or block) an
      // operator's pause on a job it has nothing to write to. ON CONFLICT stays for the races,
      // rows taken in name order so two replicas at once never wait for each other in a circle.
      await sql`
        INSERT INTO job_state (job, known_since)
        SELECT j, least(${at}::timestamptz, (SELECT r.started_at FROM job_runs r WHERE r.job = j
                                             ORDER BY r.started_at LIMIT 1))
        FROM (SELECT DISTINCT j FROM unnest(${jobs}::text[]) AS j) AS n(j) -- each name once
        WHERE NOT EXISTS (SELECT 1 FROM job_state s WHERE s.job = j AND s.known_since IS NOT NULL)
        ORDER BY j
        ON CONFLICT (job) DO UPDATE SET known_since = EXCLUDED.known_since
        WHERE job_state.known_since IS NULL`;
    },
    async pauseStates(jobs) {
      return await sql<{ job: string; paused: boolean }[]>`
        SELECT n.job, coalesce(s.paused, false) AS paused
        FROM unnest(${jobs}::text[]) AS n(job) LEFT JOIN job_state s ON s.job = n.job`;
    },
    async summaries(jobs) {
      // One lateral read per job, each walking the history index from the newest run; the
      // cluster's first run by a loose index scan (one probe per job name, not the table).
      const rows = await runs<
        {
          name: string;
          paused: boolean;
          paused_since: Date | null;
          last_success: Date | null;
          failures: number;
          known_since: Date | null;
          last_run: Record<string, unknown> | null;
          last_finished: Record<string, unknown> | null;
        }[]
      >(
        `WITH RECURSIVE jobs AS (
           (SELECT job FROM job_runs ORDER BY job LIMIT 1)
           UNION ALL
           SELECT (SELECT job FROM job_runs WHERE job > jobs.job ORDER BY job LIMIT 1)
           FROM jobs WHERE jobs.job IS NOT NULL
         ), since AS (
           SELECT min((SELECT started_at FROM job_runs k WHERE k.job = jobs.job
                       ORDER BY started_at LIMIT 1)) AS at
           FROM jobs WHERE job IS NOT NULL
         )
         SELECT n.name, coalesce(s.paused, false) AS paused, s.updated_at AS paused_since,
                ok.finished_at AS last_success, f.failures,
                coalesce(s.known_since, (SELECT at FROM since)) AS known_since,
                (SELECT to_jsonb(x) FROM (SELECT ${COLUMNS} FROM job_runs
                   WHERE job = n.name AND outcome <> 'skipped'
                   ORDER BY started_at DESC LIMIT 1) x) AS last_run,
                (SELECT to_jsonb(x) FROM (SELECT ${COLUMNS} FROM job_runs
                   WHERE job = n.name AND outcome NOT IN ('skipped', 'running')
                   ORDER BY started_at DESC LIMIT 1) x) AS last_finished
         FROM unnest($1::text[]) WITH ORDINALITY AS n(name, i)
         LEFT JOIN job_state s ON s.job = n.name
         LEFT JOIN LATERAL (
           SELECT started_at, finished_at FROM job_runs
           WHERE job = n.name AND outcome = 'succeeded' ORDER BY started_at DESC LIMIT 1) ok ON true
         CROSS JOIN LATERAL (
           SELECT count(*)::int AS failures FROM job_runs
           WHERE job = n.name AND outcome IN ('failed', 'abandoned')
             AND started_at > coalesce(ok.started_at, '-infinity')) f
         ORDER BY n.i`,
        [jobs],
      );
      return rows.map((r) => ({
        job: r.name,
        paused: r.paused,
        pausedSince: r.paused ? r.paused_since : null,
        lastRun: fromJson(r.last_run),
        lastFinished: fromJson(r.last_finished),
        lastSuccessAt: r.last_success,
        consecutiveFailures: r.failures,
        knownSince: r.known_since,
      }));
    },
    async now() {
      const [row] = await sql<{ now: Date }[]>`SELECT now() AS now`;
      return row.now;
    },
  };
}

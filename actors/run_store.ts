import type { RunOutcome } from "./health.ts";
import type { RunResult, Trigger } from "./job.ts";

/** One run as stored: the run history row. */
export interface RunRecord {
  id: string;
  job: string;
  scheduledFor: Date;
  trigger: Trigger;
  node: string;
  outcome: RunOutcome;
  attempt: number;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  result: RunResult | null;
  error: string | null;
}

export interface ClaimRequest {
  /** Chosen by the runtime (a UUID), so a caller can name a run before it starts. */
  id: string;
  job: string;
  scheduledFor: Date;
  trigger: Trigger;
  node: string;
  attempt: number;
  leaseMs: number;
  /** An abandoned scheduled run this one does again; only one claim per abandoned run wins. */
  retryOf?: string;
}

export type FinalOutcome = { outcome: "succeeded"; result: RunResult } | {
  outcome: "failed" | "abandoned";
  error: string;
  result?: RunResult;
};

/** A failed run that could not be written when it happened (the database was away). */
export type UnrecordedFailure = Omit<ClaimRequest, "leaseMs" | "retryOf"> & {
  startedAt: Date;
  error: string;
};

/** A job's persisted pause state. */
export interface PauseState {
  job: string;
  paused: boolean;
}

/** What the cluster knows of a job, the same for every replica (read from the store). */
export interface JobSummary extends PauseState {
  /** When the pause state last changed. */
  pausedSince: Date | null;
  /** The newest run that is not a skipped slot (running ones included). */
  lastRun: RunRecord | null;
  /** The newest finished run, for health's `lastRun`. */
  lastFinished: RunRecord | null;
  lastSuccessAt: Date | null;
  /** Failed or abandoned runs since the last success. */
  consecutiveFailures: number;
  /**
   * Since when the cluster knows the job: the start of the first replica that registered it
   * (`register`), else the cluster's oldest kept run (any job). A job that never succeeded is
   * stale counted from then, on every replica alike. Null when neither is recorded.
   */
  knownSince: Date | null;
}

/** How the error of a run cut short by its replica's shutdown begins: the cut spends no attempt. */
export const SHUTDOWN_CUT = "stopped by the shutdown:";

/** An abandoned scheduled run that no retry has taken yet. */
export interface AbandonedSlot {
  runId: string;
  job: string;
  scheduledFor: Date;
  trigger: Trigger;
  /** The abandoned run's attempt: a retry's slot is run again as the next one. */
  attempt: number;
  /** Cut short by its replica's shutdown (`SHUTDOWN_CUT`), not dead: it spent no attempt. */
  cut: boolean;
}

/** Where to look for a job's abandoned slots: those since `since`, `attempts` tries in all. */
export interface AbandonedWindow {
  job: string;
  since: Date;
  attempts: number;
}

export type Counter = "lost_claims" | "overlap_skips" | "paused_skips";

/**
 * Where runs are claimed and recorded. The runtime knows only this port; `db/` implements
 * it on Postgres, `tests/fakes/` in memory.
 */
export interface RunStore {
  /** Claims a run. Cron and catch-up runs contend for their slot: null means another claim won it. */
  claim(request: ClaimRequest): Promise<RunRecord | null>;
  /** Extends the lease of a running run; false when the run is no longer this node's. */
  renew(runId: string, node: string, leaseMs: number): Promise<boolean>;
  /** Writes the outcome; null when refused because the lease was taken meanwhile. */
  finish(runId: string, node: string, outcome: FinalOutcome): Promise<RunRecord | null>;
  /** Adds one to a per-job counter. */
  count(job: string, node: string, counter: Counter): Promise<void>;
  /** Whether the job is paused (persisted: every replica obeys). */
  isPaused(job: string): Promise<boolean>;
  /** Pauses or resumes jobs at once, in one write, and tells every replica (`watch`). */
  setPaused(job: string | string[], paused: boolean): Promise<void>;
  /** Whether each named job is paused, in one light read (what the control watcher polls). */
  pauseStates(jobs: string[]): Promise<PauseState[]>;
  /**
   * Marks the jobs known to the cluster since `at` (a replica's start), or since a job's first
   * kept run when it ran before (a cluster upgraded to `known_since` keeps its jobs' age); the
   * first mark is kept.
   * Optional: without it, a job's `knownSince` is the cluster's oldest run.
   */
  register?(jobs: string[], at: Date): Promise<void>;
  /** One summary per named job, in one read. */
  summaries(jobs: string[]): Promise<JobSummary[]>;
  /**
   * The abandoned runs that can be run again now, oldest first, at most 100 per job: of jobs
   * not paused, slots within their window that no retry has taken. Cron and catch-up runs,
   * and retries of such a slot cut by a shutdown or whose attempt left the job's `attempts`
   * another try.
   */
  abandonedSlots(windows: AbandonedWindow[]): Promise<AbandonedSlot[]>;
  /**
   * Calls `onChange` when another replica changes the control state (pause, resume);
   * resolves to the unsubscribe function. Optional: without it, replicas re-read on a timer.
   */
  watch?(onChange: () => void): Promise<() => Promise<void>>;
  /** The newest slot that was claimed for a cron or catch-up run of the job, if any. */
  lastSlot(job: string): Promise<Date | null>;
  /** Records slots deliberately not run (catch-up skip, past grace) as `skipped` runs. */
  recordSkipped(job: string, node: string, slots: Date[], reason: string): Promise<void>;
  /** Writes failures that happened while the store was unreachable (a slot already taken wins). */
  recordFailures(failures: UnrecordedFailure[]): Promise<void>;
  /** Lets go of this node's leases at shutdown, so a rescuer can settle its runs at once. */
  releaseLeases(node: string): Promise<void>;
}

/**
 * A run as the HTTP API and `jobs history --json` show it (part of the contract):
 * `{ id, job, scheduledFor, trigger, node, outcome, startedAt, finishedAt, durationMs, result, error }`.
 */
export function runToJson(r: RunRecord) {
  return {
    id: r.id,
    job: r.job,
    scheduledFor: r.scheduledFor.toISOString(),
    trigger: r.trigger,
    node: r.node,
    outcome: r.outcome,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    durationMs: r.durationMs,
    result: r.result,
    error: r.error,
  };
}

import type { ActorStatus, Health } from "./health.ts";
import type { JobSpec } from "./job.ts";
import type { JobSummary, RunRecord } from "./run_store.ts";
import { describeSchedule, largestGapMs, nextSlot } from "./schedule.ts";

/**
 * One job as `/health/tasks` shows it. `paused`, `lastRun`, `lastSuccessAt`,
 * `consecutiveFailures`, `stale` and `nextRunAt` are the cluster's (read from the database,
 * the same on every replica); `node`, `status`, `restarts` and `mailboxDepth` are this
 * replica's own actor. When the database cannot be read, the view is this replica's alone (its own
 * last run, success and failures), not a job that never ran.
 */
export interface TaskView {
  name: string;
  description: string;
  schedule: string;
  timezone: string;
  status: ActorStatus["kind"];
  paused: boolean;
  nextRunAt: string | null;
  lastRun: {
    runId: string;
    scheduledFor: string;
    trigger: RunRecord["trigger"];
    node: string;
    startedAt: string;
    finishedAt: string;
    durationMs: number;
    outcome: RunRecord["outcome"];
    error?: string;
  } | null;
  lastSuccessAt: string | null;
  consecutiveFailures: number;
  restarts: number;
  mailboxDepth: number;
  stale: boolean;
  /** The replica that answered: `status`, `restarts` and `mailboxDepth` are its own. */
  node: string;
  error?: string;
  progress?: { processed?: number; total?: number; note?: string };
}

/** Added to the largest gap and the timeout before a job counts as stale (seed 002: 35 min for 30). */
export const STALE_MARGIN_MS = 5 * 60_000;

/** How long a job may go without a success: its own `maxAge`, else its largest gap + timeout + margin. */
export function maxAgeOf(spec: JobSpec, from: Date): number {
  return spec.maxAgeMs ?? largestGapMs(spec.schedule, from) + spec.timeoutMs + STALE_MARGIN_MS;
}

/**
 * Stale: no success within `maxAgeMs` (cluster-wide). A job that never succeeded is stale
 * once `upSince` (the cluster's first run; this replica's start when the database cannot say)
 * is longer ago than that. Paused jobs are never stale.
 */
export function isStale(
  o: { paused: boolean; lastSuccessAt: Date | null; upSince: Date },
  now: Date,
  maxAgeMs: number,
): boolean {
  if (o.paused) return false;
  const since = o.lastSuccessAt ?? o.upSince;
  return now.getTime() - since.getTime() > maxAgeMs;
}

/** Builds the view from the cluster's summary and this replica's actor. */
export function taskView(o: {
  spec: JobSpec;
  health: Health;
  cluster: JobSummary | undefined;
  mailboxDepth: number;
  progress?: TaskView["progress"];
  node: string;
  now: Date;
  maxAgeMs: number;
}): TaskView {
  const { spec, health: h, now } = o;
  const paused = o.cluster?.paused ?? h.paused;
  const lastSuccess = o.cluster ? o.cluster.lastSuccessAt : h.lastSuccessAt ?? null;
  // Without the cluster's picture (the database away), this replica's own last run: it did run.
  const last = o.cluster
    ? o.cluster.lastFinished
    : h.lastRun && { ...h.lastRun, id: h.lastRun.runId, node: o.node, error: h.lastRun.error };
  const live = h.status.kind !== "stopped" && h.status.kind !== "failed";
  const status: ActorStatus["kind"] = paused && h.status.kind === "idle"
    ? "paused"
    : !paused && h.status.kind === "paused"
    ? "idle"
    : h.status.kind;
  return {
    name: spec.name,
    description: spec.description,
    schedule: describeSchedule(spec.schedule),
    timezone: spec.timezone ?? "UTC",
    status,
    paused,
    nextRunAt: live && !paused ? nextSlot(spec.schedule, now).toISOString() : null,
    lastRun: last
      ? {
        runId: last.id,
        scheduledFor: last.scheduledFor.toISOString(),
        trigger: last.trigger,
        node: last.node,
        startedAt: last.startedAt.toISOString(),
        finishedAt: (last.finishedAt ?? last.startedAt).toISOString(),
        durationMs: last.durationMs ?? 0,
        outcome: last.outcome,
        ...(last.error ? { error: last.error } : {}),
      }
      : null,
    lastSuccessAt: lastSuccess?.toISOString() ?? null,
    consecutiveFailures: o.cluster?.consecutiveFailures ?? h.consecutiveFailures,
    restarts: h.restarts,
    mailboxDepth: o.mailboxDepth,
    // A job that never succeeded counts from the cluster's first run, as health-monitor does,
    // so every replica, and this one after a restart, says the same.
    stale: isStale(
      { paused, lastSuccessAt: lastSuccess, upSince: o.cluster?.knownSince ?? h.startedAt },
      now,
      o.maxAgeMs,
    ),
    node: o.node,
    ...("error" in h.status ? { error: h.status.error } : {}),
    ...(h.status.kind === "running" && o.progress ? { progress: o.progress } : {}),
  };
}

/** The cluster picture in one line: `degraded` when a job failed here, is stale, or keeps failing. */
export interface Summary {
  status: "healthy" | "degraded";
  jobs: number;
  byStatus: Record<string, number>;
  failed: string[];
  stale: string[];
  failing: string[];
}

/** Pure: the summary of the views, `failingAfter(name)` failures in a row counting as failing. */
export function summarize(tasks: TaskView[], failingAfter: (name: string) => number): Summary {
  const byStatus: Record<string, number> = {};
  for (const t of tasks) byStatus[t.status] = (byStatus[t.status] ?? 0) + 1;
  const failed = tasks.filter((t) => t.status === "failed").map((t) => t.name);
  const stale = tasks.filter((t) => t.stale).map((t) => t.name);
  const failing = tasks.filter((t) => !t.paused && t.consecutiveFailures >= failingAfter(t.name))
    .map((t) => t.name);
  return {
    status: failed.length || stale.length || failing.length ? "degraded" : "healthy",
    jobs: tasks.length,
    byStatus,
    failed,
    stale,
    failing,
  };
}

import type { Trigger } from "./job.ts";

/** Where an actor is in its life: a tagged union, changed only by `nextHealth`. */
export type ActorStatus =
  | { kind: "starting" }
  | { kind: "idle" }
  | { kind: "running"; runId: string; scheduledFor: Date; trigger: Trigger; startedAt: Date }
  | { kind: "retrying"; attempt: number; retryAt: Date }
  | { kind: "paused" }
  | { kind: "restarting"; restartAt: Date; error: string }
  | { kind: "failed"; at: Date; error: string }
  | { kind: "stopped" };

export type RunOutcome = "running" | "succeeded" | "failed" | "abandoned" | "skipped";

/** The last finished run as health shows it. */
export interface LastRun {
  runId: string;
  scheduledFor: Date;
  trigger: Trigger;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  outcome: RunOutcome;
  error?: string;
}

/** The health of one actor. */
export interface Health {
  status: ActorStatus;
  paused: boolean;
  startedAt: Date;
  lastRun?: LastRun;
  lastSuccessAt?: Date;
  consecutiveFailures: number;
  restarts: number;
}

export type HealthEvent =
  | { type: "loop-started" }
  | { type: "run-started"; runId: string; scheduledFor: Date; trigger: Trigger; at: Date }
  | { type: "run-finished"; run: LastRun }
  | { type: "retry-scheduled"; attempt: number; retryAt: Date }
  | { type: "paused" }
  | { type: "resumed" }
  | { type: "restarting"; restartAt: Date; error: string }
  | { type: "gave-up"; at: Date; error: string }
  | { type: "stopped" };

/** A finished run as health keeps it (`now` stands in for a missing end). */
export function lastRunOf(
  run: {
    id: string;
    scheduledFor: Date;
    trigger: Trigger;
    startedAt: Date;
    finishedAt: Date | null;
    durationMs: number | null;
    outcome: RunOutcome;
    error: string | null;
  },
  now: Date,
): LastRun {
  const finishedAt = run.finishedAt ?? now;
  return {
    runId: run.id,
    scheduledFor: run.scheduledFor,
    trigger: run.trigger,
    startedAt: run.startedAt,
    finishedAt,
    durationMs: run.durationMs ?? finishedAt.getTime() - run.startedAt.getTime(),
    outcome: run.outcome,
    error: run.error ?? undefined,
  };
}

/** A fresh health record. */
export function initialHealth(at: Date): Health {
  return {
    status: { kind: "starting" },
    paused: false,
    startedAt: at,
    consecutiveFailures: 0,
    restarts: 0,
  };
}

function settled(h: Health): ActorStatus {
  return h.paused ? { kind: "paused" } : { kind: "idle" };
}

/** The pure transition function of actor health. */
export function nextHealth(h: Health, e: HealthEvent): Health {
  switch (e.type) {
    case "loop-started":
      return { ...h, status: settled(h) };
    case "run-started":
      return {
        ...h,
        status: {
          kind: "running",
          runId: e.runId,
          scheduledFor: e.scheduledFor,
          trigger: e.trigger,
          startedAt: e.at,
        },
      };
    case "run-finished": {
      const ok = e.run.outcome === "succeeded";
      return {
        ...h,
        status: settled(h),
        lastRun: e.run,
        lastSuccessAt: ok ? e.run.finishedAt : h.lastSuccessAt,
        consecutiveFailures: ok ? 0 : h.consecutiveFailures + 1,
      };
    }
    case "retry-scheduled":
      return { ...h, status: { kind: "retrying", attempt: e.attempt, retryAt: e.retryAt } };
    case "paused":
      return {
        ...h,
        paused: true,
        status: h.status.kind === "idle" ? { kind: "paused" } : h.status,
      };
    case "resumed":
      return {
        ...h,
        paused: false,
        status: h.status.kind === "paused" ? { kind: "idle" } : h.status,
      };
    case "restarting":
      return {
        ...h,
        restarts: h.restarts + 1,
        status: { kind: "restarting", restartAt: e.restartAt, error: e.error },
      };
    case "gave-up":
      return { ...h, status: { kind: "failed", at: e.at, error: e.error } };
    case "stopped":
      return h.status.kind === "failed" ? h : { ...h, status: { kind: "stopped" } };
  }
}

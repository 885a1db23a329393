import type { Sql } from "postgres";
import { z } from "zod";
import type { Clock } from "./clock.ts";
import { parseDuration } from "./duration.ts";
import { type Logger, silentLogger } from "./log.ts";
import type { RetryPolicy } from "./policy.ts";
import { parseSchedule, type Schedule, ScheduleError, type ScheduleInput } from "./schedule.ts";

/** Why a run happens. */
export type Trigger = "cron" | "manual" | "catch-up" | "retry";

/** What a run reports; stored with the run. */
export interface RunResult {
  processed?: number;
  changed?: number;
  failed?: number;
  details?: Record<string, unknown>;
}

/** Everything a job's `run` gets: helpers, not globals. */
export interface JobContext {
  db: Sql;
  clock: Clock;
  log: Logger;
  /** Aborts when the run times out, loses its lease, or the process stops past its grace. */
  signal: AbortSignal;
  /** The slot this run belongs to (for manual runs: when it was asked for). */
  scheduledFor: Date;
  trigger: Trigger;
  attempt: number;
  runId: string;
  /** Reports progress; shown in health while the run goes on. */
  progress(update: { processed?: number; total?: number; note?: string }): void;
}

export type CatchUpPolicy = "skip" | "once" | "all";

/** A job as written by its author. Durations read like `"30s"` or are ms. */
export interface JobSpecInput {
  name: string;
  description: string;
  schedule: ScheduleInput;
  timezone?: string;
  timeout?: number | string;
  retry?: { attempts?: number; min?: number | string; max?: number | string; jitter?: number };
  catchUp?: { policy?: CatchUpPolicy; max?: number; grace?: number | string };
  maxConsecutiveFailures?: number;
  /** No success for this long marks the job stale (default 2 intervals + timeout). */
  maxAge?: number | string;
  run(ctx: JobContext): Promise<RunResult | void>;
}

/** A validated job spec: a plain value the runtime trusts. */
export interface JobSpec {
  name: string;
  description: string;
  schedule: Schedule;
  timezone?: string;
  timeoutMs: number;
  retry: RetryPolicy;
  catchUp: { policy: CatchUpPolicy; max: number; graceMs: number };
  maxConsecutiveFailures: number;
  maxAgeMs?: number;
  run(ctx: JobContext): Promise<RunResult | void>;
}

/** A spec that could not be made; the message lists every bad field. */
export class JobSpecError extends Error {
  override name = "JobSpecError";
}

const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
    return z.NEVER;
  }
});

const specSchema = z.object({
  name: z.string().max(64, "must be at most 64 characters").regex(
    /^[a-z0-9]+(-[a-z0-9]+)*$/,
    "must be kebab-case: lowercase letters, digits and single dashes, like level-ups",
  ),
  description: z.string().min(1, "must not be empty"),
  timezone: z.string().optional(),
  timeout: duration.default(300_000).refine((ms) => ms > 0, "must be more than 0"),
  retry: z.object({
    attempts: z.number().int().min(1).max(20).default(1),
    min: duration.default(1_000),
    max: duration.default(60_000),
    jitter: z.number().min(0).max(1).default(0.2),
  }).default({ attempts: 1, min: 1_000, max: 60_000, jitter: 0.2 }),
  catchUp: z.object({
    policy: z.enum(["skip", "once", "all"]).default("skip"),
    max: z.number().int().min(1).max(1_000).default(10),
    grace: duration.default(86_400_000),
  }).default({ policy: "skip", max: 10, grace: 86_400_000 }),
  maxConsecutiveFailures: z.number().int().min(1).default(3),
  maxAge: duration.optional(),
  run: z.custom<JobSpec["run"]>((v) => typeof v === "function", "must be a function"),
});

/**
 * Validates a job spec; every problem is named by its field.
 *
 * ```ts
 * const job = defineJob({ name: "ping", description: "…", schedule: "* * * * *", run: async () => {} });
 * ```
 */
export function defineJob(input: JobSpecInput): JobSpec {
  const label = typeof input?.name === "string" ? `"${input.name}"` : "(unnamed)";
  const problems: string[] = [];
  const parsed = specSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join(".") || "spec"}: ${issue.message}`);
    }
  }
  let schedule: Schedule | undefined;
  try {
    schedule = parseSchedule(input?.schedule, input?.timezone);
  } catch (e) {
    if (!(e instanceof ScheduleError)) throw e;
    problems.push(`${e.field === "timezone" ? "timezone" : `schedule.${e.field}`}: ${e.message}`);
  }
  if (problems.length > 0 || !parsed.success || !schedule) {
    throw new JobSpecError(`Cannot define job ${label}: ${problems.join("; ")}`);
  }
  const v = parsed.data;
  return Object.freeze({
    name: v.name,
    description: v.description,
    schedule,
    timezone: v.timezone,
    timeoutMs: v.timeout,
    retry: {
      attempts: v.retry.attempts,
      backoff: { minMs: v.retry.min, maxMs: v.retry.max, jitter: v.retry.jitter },
    },
    catchUp: { policy: v.catchUp.policy, max: v.catchUp.max, graceMs: v.catchUp.grace },
    maxConsecutiveFailures: v.maxConsecutiveFailures,
    maxAgeMs: v.maxAge,
    run: v.run,
  });
}

/** The same job on another schedule (an operator's `JOB_<NAME>_SCHEDULE`). */
export function withSchedule(spec: JobSpec, schedule: ScheduleInput): JobSpec {
  return Object.freeze({ ...spec, schedule: parseSchedule(schedule, spec.timezone) });
}

/**
 * A context for running a job's `run` outside the runtime (a benchmark, a test of the job's
 * rules): no claim, no lease, a signal that never aborts unless given one.
 */
export function standaloneContext(o: {
  db: Sql;
  clock: Clock;
  scheduledFor: Date;
  trigger?: Trigger;
  log?: Logger;
  signal?: AbortSignal;
}): JobContext {
  return {
    db: o.db,
    clock: o.clock,
    log: o.log ?? silentLogger,
    signal: o.signal ?? new AbortController().signal,
    scheduledFor: o.scheduledFor,
    trigger: o.trigger ?? "cron",
    attempt: 1,
    runId: crypto.randomUUID(),
    progress: () => {},
  };
}

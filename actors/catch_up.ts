import type { CatchUpPolicy } from "./job.ts";

/** What to do with the slots missed while nobody ran a job. */
export interface CatchUpPlan {
  /** Slots to run now, oldest first. */
  run: Date[];
  /** Slots recorded as `skipped`: by policy, or older than the grace. */
  skipped: Date[];
}

/**
 * The pure catch-up decision. `missed` are the slots after the job's last claimed slot, up
 * to now, oldest first. `skip` runs none; `once` the newest within the grace; `all` each
 * one within the grace, the newest `max`. Everything not run is skipped.
 *
 * @example
 * planCatchUp({ policy: "once", max: 10, graceMs: 3_600_000 }, [t1, t2], now); // { run: [t2], skipped: [t1] }
 */
export function planCatchUp(
  policy: { policy: CatchUpPolicy; max: number; graceMs: number },
  missed: readonly Date[],
  now: Date,
): CatchUpPlan {
  const inGrace = missed.filter((s) => now.getTime() - s.getTime() <= policy.graceMs);
  const run = policy.policy === "skip"
    ? []
    : policy.policy === "once"
    ? inGrace.slice(-1)
    : inGrace.slice(-policy.max);
  return { run, skipped: missed.filter((s) => !run.includes(s)) };
}

import type { Clock } from "./clock.ts";

/** How long a run may take past its timeout, its signal aborted, before it is abandoned. */
export const DEFAULT_HANG_GRACE_MS = 5_000;

/** The bounded steps after the drain, in ms: each is cut off when it takes longer. */
export const SHUTDOWN_STEPS_MS = { releaseLeases: 2_000, server: 3_000, pool: 5_000 } as const;
/** What the hard-exit guard adds on top of the steps: scheduling slack, the last log lines. */
export const SHUTDOWN_SLACK_MS = 2_000;

/**
 * The shutdown budget as one computed value: the running job gets `timeoutMs` to drain, then
 * its signal aborts and it has `hangGraceMs` to settle (else it is abandoned and left
 * behind); the later steps are each bounded. The hard-exit guard fires only past all of it,
 * so a clean shutdown, a stubborn job included, always ends before it (exit 0).
 *
 * @example
 * shutdownBudget({ timeoutMs: 25_000, hangGraceMs: 5_000 }); // { drainMs: 25000, stepsMs: 40000, guardMs: 42000 }
 */
export function shutdownBudget(o: { timeoutMs: number; hangGraceMs: number }) {
  const after = SHUTDOWN_STEPS_MS.releaseLeases + SHUTDOWN_STEPS_MS.server + SHUTDOWN_STEPS_MS.pool;
  const stepsMs = o.timeoutMs + o.hangGraceMs + after;
  return { drainMs: o.timeoutMs, stepsMs, guardMs: stepsMs + SHUTDOWN_SLACK_MS };
}

/** Waits for `work` at most `ms`; says whether it finished in time (its error counts as finished). */
export async function within(clock: Clock, ms: number, work: Promise<unknown>): Promise<boolean> {
  const timer = new AbortController();
  try {
    return await Promise.race([
      work.then(() => true, () => true),
      clock.sleep(ms, timer.signal).then(() => false, () => true),
    ]);
  } finally {
    timer.abort();
  }
}

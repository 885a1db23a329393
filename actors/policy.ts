/** Restart and retry policy as values, and the pure decisions made from them. */

/** Exponential backoff: `min(max, min·2^n)·(1 + jitter·random)`. */
export interface Backoff {
  minMs: number;
  maxMs: number;
  /** 0 … 1: how much random spread is added on top. */
  jitter: number;
}

/** How the supervisor treats a child that exits. */
export type RestartType = "permanent" | "transient" | "temporary";

/** Restart intensity: more than `intensity` failures within `periodMs` and the supervisor gives up. */
export interface RestartPolicy {
  backoff: Backoff;
  intensity: number;
  periodMs: number;
}

/**
 * The default: 1 s doubling to 60 s (+20 %), and more than 5 failures within 10 minutes gives
 * up. Its period outlasts the backoff (1+2+4+8+16 s, +20 %, is 37.2 s) with room for the runs
 * in between, so a crash loop really reaches the limit (`giveUpReachable`).
 */
export const defaultRestartPolicy: RestartPolicy = {
  backoff: { minMs: 1_000, maxMs: 60_000, jitter: 0.2 },
  intensity: 5,
  periodMs: 600_000,
};

/**
 * Whether a child failing at once after every restart is given up under `policy`: the
 * `intensity` restarts it is granted, at their longest, fit inside the period.
 */
export function giveUpReachable(policy: RestartPolicy): boolean {
  let waited = 0;
  for (let n = 0; n < policy.intensity; n++) waited += backoffDelay(policy.backoff, n, 1);
  return waited < policy.periodMs;
}

/** The n-th delay (n from 0) of a backoff, given a random number in [0, 1). */
export function backoffDelay(backoff: Backoff, n: number, random: number): number {
  const base = Math.min(backoff.maxMs, backoff.minMs * 2 ** Math.max(0, n));
  return Math.round(base * (1 + backoff.jitter * random));
}

export type RestartDecision =
  | { action: "restart"; delayMs: number; attempt: number }
  | { action: "give-up"; reason: string }
  | { action: "leave" };

/**
 * What to do when a child exits. `failures` are the times (ms) of this child's
 * failures so far, this one included; only those within the period count.
 */
export function decideRestart(input: {
  restart: RestartType;
  exit: "normal" | "failure";
  failures: readonly number[];
  now: number;
  policy: RestartPolicy;
  random: number;
}): RestartDecision {
  const { restart, exit, policy, now } = input;
  if (restart === "temporary") return { action: "leave" };
  if (exit === "normal" && restart === "transient") return { action: "leave" };
  const recent = input.failures.filter((t) => now - t <= policy.periodMs).length;
  if (recent > policy.intensity) {
    return {
      action: "give-up",
      reason:
        `${recent} failures within ${policy.periodMs} ms exceed the restart intensity of ${policy.intensity}`,
    };
  }
  const n = Math.max(0, recent - 1);
  return {
    action: "restart",
    delayMs: backoffDelay(policy.backoff, n, input.random),
    attempt: n + 1,
  };
}

/** Retries of one run: `attempts` tries in all (1 = no retry), spaced by `backoff`. */
export interface RetryPolicy {
  attempts: number;
  backoff: Backoff;
}

export const noRetry: RetryPolicy = {
  attempts: 1,
  backoff: { minMs: 1_000, maxMs: 60_000, jitter: 0 },
};

/** The delay before try `attempt + 1` after try `attempt` failed, or null when tries are used up. */
export function retryDelay(policy: RetryPolicy, attempt: number, random: number): number | null {
  if (attempt >= policy.attempts) return null;
  return backoffDelay(policy.backoff, attempt - 1, random);
}

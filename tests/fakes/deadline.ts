/**
 * A real-time safety net for test helpers that wait (for a log line, an event, a poll): past
 * the deadline the wait fails with what it waited for and the last output seen, instead of
 * hanging the suite. Not a timed assertion: the default is generous, and
 * `TEST_WAIT_DEADLINE_MS` overrides it.
 */
export const defaultWaitMs = Number(Deno.env.get("TEST_WAIT_DEADLINE_MS") || 60_000);

export interface DeadlineOptions {
  /** How long to wait before giving up (default `defaultWaitMs`, 60 s). */
  deadlineMs?: number;
}

/** Thrown by a test helper whose wait ran past its deadline. */
export class WaitDeadlineError extends Error {
  override name = "WaitDeadlineError";
}

/**
 * Resolves as `promise` does, or rejects with a `WaitDeadlineError` naming `what` and the
 * `lastSeen()` output once `deadlineMs` has passed. The timer is cleared either way.
 *
 * @example
 * await withDeadline(api.polling(), "a getUpdates long poll", { lastSeen: () => "…" });
 */
export function withDeadline<T>(
  promise: Promise<T>,
  what: string,
  options: DeadlineOptions & { lastSeen?: () => string } = {},
): Promise<T> {
  const ms = options.deadlineMs ?? defaultWaitMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const seen = options.lastSeen?.() || "(nothing)";
      reject(
        new WaitDeadlineError(
          `Cannot wait any longer for ${what}: still waiting after ${ms} ms; last seen:\n${seen}`,
        ),
      );
    }, ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/**
 * Resolves once `check` answers true, asking again after each answer (a query's round trip, not
 * a timing); fails as `withDeadline` does, naming `what`.
 */
export function until(
  what: string,
  check: () => Promise<boolean>,
  options: DeadlineOptions & { lastSeen?: () => string } = {},
): Promise<void> {
  let stopped = false;
  const asking = (async () => {
    while (!stopped && !(await check())) await new Promise((r) => setTimeout(r, 10));
  })();
  return withDeadline(asking, what, options).finally(() => {
    stopped = true;
  });
}

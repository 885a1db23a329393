import type { Clock } from "./clock.ts";
import type { RunResult } from "./job.ts";
import { describeError } from "./log.ts";
import type { FinalOutcome } from "./run_store.ts";

/** How a run ended against its deadline; `hung` when it ignored its aborted signal past the grace. */
export interface DeadlineOutcome {
  outcome: FinalOutcome;
  hung: boolean;
}

/**
 * Runs `work` against a deadline. At `timeoutMs` (or when `controller` aborts for another
 * reason: a lost lease, a shutdown) the run's signal aborts and it gets `graceMs` to settle;
 * a run that settles then has failed, one that does not is abandoned (`hung`) and left behind.
 */
export async function runWithDeadline(o: {
  work: () => Promise<RunResult | void>;
  controller: AbortController;
  clock: Clock;
  timeoutMs: number;
  graceMs: number;
  onLateSettle?: (ok: boolean) => void;
}): Promise<DeadlineOutcome> {
  const { controller, clock } = o;
  const work = Promise.resolve().then(o.work).then(
    (result) => ({ ok: true as const, result: result ?? {} }),
    (error) => ({ ok: false as const, error }),
  );
  const timer = new AbortController();
  const timeout = clock.sleep(o.timeoutMs, timer.signal).then(
    () => "timeout" as const,
    () => "cancelled" as const,
  );
  const aborted = new Promise<"aborted">((r) =>
    controller.signal.addEventListener("abort", () => r("aborted"), { once: true })
  );
  try {
    const first = await Promise.race([work, timeout, aborted]);
    if (typeof first === "object") {
      return {
        hung: false,
        outcome: first.ok
          ? { outcome: "succeeded", result: first.result }
          : { outcome: "failed", error: describeError(first.error) },
      };
    }
    const why = first === "timeout"
      ? `timed out after ${o.timeoutMs} ms`
      : `aborted: ${describeError(controller.signal.reason)}`;
    if (first === "timeout") controller.abort(new Error(why));
    const grace = new AbortController();
    const settled = await Promise.race([
      work,
      clock.sleep(o.graceMs, grace.signal).then(() => "hung" as const, () => "hung" as const),
    ]);
    grace.abort();
    if (settled === "hung") {
      work.then((late) => o.onLateSettle?.(late.ok));
      return {
        hung: true,
        outcome: {
          outcome: "abandoned",
          error: `${why}; did not settle within ${o.graceMs} ms after its signal aborted`,
        },
      };
    }
    return {
      hung: false,
      outcome: {
        outcome: "failed",
        error: settled.ok ? why : `${why}: ${describeError(settled.error)}`,
      },
    };
  } finally {
    timer.abort();
  }
}

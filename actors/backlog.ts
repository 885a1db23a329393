import { describeError, type Logger } from "./log.ts";
import type { FinalOutcome, RunRecord, RunStore, UnrecordedFailure } from "./run_store.ts";

/**
 * What the store could not take while it was away: failures of runs that could not even be
 * claimed, and outcomes that could not be written. Written, in order, as soon as it answers.
 */
export function createBacklog(o: { store: RunStore; node: string; log: Logger }) {
  const unrecorded: UnrecordedFailure[] = [];
  const unfinished: Array<{ runId: string; outcome: FinalOutcome }> = [];
  let settling: Promise<void> | null = null;

  async function write() {
    if (unrecorded.length > 0) {
      await o.store.recordFailures(unrecorded);
      o.log.info("recorded the failures of the outage", { count: unrecorded.length });
      unrecorded.length = 0;
    }
    while (unfinished.length > 0) {
      const { runId, outcome } = unfinished[0];
      if (!(await o.store.finish(runId, o.node, outcome))) {
        o.log.warn("late outcome refused: the lease was taken", {
          run: runId,
          outcome: outcome.outcome,
        });
      }
      unfinished.shift();
    }
  }

  return {
    /**
     * A run that could not be claimed: kept (up to 100; beyond that the log has them) to be
     * written once the store answers, and returned as the failed run it is.
     */
    failedToClaim(
      request: Omit<UnrecordedFailure, "startedAt" | "error"> & { retryOf?: string },
      cause: unknown,
      at: Date,
    ): RunRecord {
      const error = `store unavailable: ${describeError(cause)}`;
      const { retryOf: _, ...failure } = request;
      if (unrecorded.length < 100) unrecorded.push({ ...failure, startedAt: at, error });
      o.log.warn("cannot claim the run; its failure is recorded once the store answers", { error });
      return {
        ...failure,
        startedAt: at,
        error,
        outcome: "failed",
        finishedAt: at,
        durationMs: 0,
        result: null,
      };
    },
    /** An outcome that could not be written. */
    unwritten(runId: string, outcome: FinalOutcome) {
      unfinished.push({ runId, outcome });
    },
    /**
     * Writes what waits; throws (keeping the rest) while the store is still away. One write at a
     * time: the actor's next claim and the control plane's poll (which settles as soon as the
     * store answers again, not only when this job next runs) share it.
     */
    settle(): Promise<void> {
      return settling ??= write().finally(() => settling = null);
    },
    get size() {
      return unrecorded.length + unfinished.length;
    },
  };
}

export type Backlog = ReturnType<typeof createBacklog>;

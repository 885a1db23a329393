import type { Clock } from "./clock.ts";
import { runWithDeadline } from "./deadline.ts";
import { HungRunError } from "./errors.ts";
import type { Backlog } from "./backlog.ts";
import type { JobContext, JobSpec } from "./job.ts";
import { holdLease } from "./lease.ts";
import type { Logger } from "./log.ts";
import type { RunConnections } from "./run_db.ts";
import { type FinalOutcome, type RunRecord, type RunStore, SHUTDOWN_CUT } from "./run_store.ts";

export interface AttemptDeps {
  spec: JobSpec;
  store: RunStore;
  clock: Clock;
  log: Logger;
  node: string;
  leaseMs: number;
  hangGraceMs: number;
  connections: RunConnections;
  backlog: Backlog;
  progress: JobContext["progress"];
}

/** How one attempt ended: the run as stored (or as known), and why the actor must fail, if so. */
export interface Attempt {
  run: RunRecord;
  /** The run hung past its grace, or lost its lease: the actor fails to its supervisor. */
  crash?: Error;
  /** The outcome was refused: another node had abandoned the run meanwhile. */
  refused: boolean;
}

/**
 * One claimed run, start to end: under its lease, against its deadline, on its own database
 * connection. A run that hangs past its grace or loses its lease is abandoned and its
 * database work cancelled, so it never overlaps the next run of the job; one the shutdown
 * cut short is abandoned too, so its slot is run again.
 */
export async function runAttempt(
  claim: RunRecord,
  kill: AbortSignal,
  d: AttemptDeps,
): Promise<Attempt> {
  const controller = new AbortController();
  const onKill = () => controller.abort(kill.reason);
  kill.addEventListener("abort", onKill, { once: true });
  const lease = holdLease({
    backend: { renew: (ms) => d.store.renew(claim.id, d.node, ms) },
    clock: d.clock,
    leaseMs: d.leaseMs,
    what: `run ${claim.id} of ${d.spec.name}`,
    log: d.log,
  });
  const onLost = () => controller.abort(lease.signal.reason);
  lease.signal.addEventListener("abort", onLost, { once: true });
  const conn = d.connections(claim.id);
  const ctx: JobContext = {
    db: conn.sql,
    clock: d.clock,
    log: d.log.child({ run: claim.id }),
    signal: controller.signal,
    scheduledFor: claim.scheduledFor,
    trigger: claim.trigger,
    attempt: claim.attempt,
    runId: claim.id,
    progress: d.progress,
  };
  let outcome: FinalOutcome;
  let crash: Error | undefined;
  try {
    const ended = await runWithDeadline({
      work: () => d.spec.run(ctx),
      controller,
      clock: d.clock,
      timeoutMs: d.spec.timeoutMs,
      graceMs: d.hangGraceMs,
      onLateSettle: (ok) => d.log.warn("abandoned run settled late", { run: claim.id, ok }),
    });
    outcome = ended.outcome;
    if (ended.hung) {
      crash = new HungRunError(`run ${claim.id} of ${d.spec.name}: ${errorOf(outcome)}`);
    } else if (lease.lost) {
      crash = lease.signal.reason as Error;
      if (outcome.outcome === "succeeded") {
        outcome = { outcome: "abandoned", error: crash.message, result: outcome.result };
      }
    } else if (kill.aborted && outcome.outcome === "failed") {
      // Cut short by this replica's shutdown, not by the job: the slot is not done. Abandoned,
      // it is run again (within its grace) by another replica, or by this one once restarted.
      outcome = { outcome: "abandoned", error: `${SHUTDOWN_CUT} ${outcome.error}` };
    }
  } finally {
    kill.removeEventListener("abort", onKill);
    lease.signal.removeEventListener("abort", onLost);
    await lease.end();
  }
  // Abandon means stop: whatever the run still has in the database is cancelled.
  await (crash ? conn.cancel() : conn.close()).catch((error) =>
    d.log.warn("cannot close the run's connection", { run: claim.id, error })
  );
  return await record(claim, outcome, crash, d);
}

async function record(
  claim: RunRecord,
  outcome: FinalOutcome,
  crash: Error | undefined,
  d: AttemptDeps,
): Promise<Attempt> {
  let stored: RunRecord | null;
  try {
    stored = await d.store.finish(claim.id, d.node, outcome);
  } catch (error) {
    d.log.warn("cannot write the outcome now; it is written once the store answers", {
      run: claim.id,
      error,
    });
    d.backlog.unwritten(claim.id, outcome);
    const finishedAt = d.clock.now();
    const run: RunRecord = {
      ...claim,
      outcome: outcome.outcome,
      finishedAt,
      durationMs: finishedAt.getTime() - claim.startedAt.getTime(),
      error: "error" in outcome ? outcome.error : null,
      result: outcome.result ?? null,
    };
    return { run, crash, refused: false };
  }
  if (!stored) {
    d.log.warn("late outcome refused: the lease was taken", {
      run: claim.id,
      outcome: outcome.outcome,
    });
    const run: RunRecord = {
      ...claim,
      outcome: "abandoned",
      error: "lease lost before the outcome was written",
    };
    return { run, crash, refused: true };
  }
  return { run: stored, crash, refused: false };
}

function errorOf(outcome: FinalOutcome): string {
  return "error" in outcome ? outcome.error : "";
}

/**
 * A job actor's contract: what it needs from its surroundings, and the handle the supervisor
 * holds (job_actor.ts makes it).
 */
import type { Clock } from "./clock.ts";
import type { EventBus } from "./events.ts";
import type { Health, HealthEvent } from "./health.ts";
import type { JobSpec } from "./job.ts";
import type { Logger } from "./log.ts";
import type { Mailbox } from "./mailbox.ts";
import type { RunStore } from "./run_store.ts";
import type { RunConnections } from "./run_db.ts";

/** What a job actor needs from its surroundings. */
export interface JobActorDeps {
  store: RunStore;
  connections: RunConnections;
  clock: Clock;
  log: Logger;
  events: EventBus;
  node: string;
  random: () => number;
  /** Commands that may wait (default 8). */
  commandLimit: number;
  /** Lease of a running run; renewed every third of it. */
  leaseMs: number;
  /** Look for missed slots when the loop starts and after a resume (default true; off for one-shot CLI runs). */
  catchUp?: boolean;
  /** How long a run may take past its timeout (after its signal aborts) before it is abandoned. */
  hangGraceMs: number;
}

/** The supervisor's handles on a loop: `stop` drains, `kill` aborts the running job. */
export interface LoopSignals {
  stop: AbortSignal;
  kill: AbortSignal;
}

/** One job as an actor: a stable handle whose loop the supervisor (re)starts. */
export interface JobActor {
  readonly spec: JobSpec;
  readonly mailbox: Mailbox;
  health(): Health;
  progress(): { processed?: number; total?: number; note?: string } | undefined;
  /** Feeds a health event from outside the loop (the supervisor's decisions, the control plane). */
  apply(event: HealthEvent): void;
  /** Writes the runs the store could not take while it was away, if any wait (`backlog.ts`). */
  settleBacklog(): Promise<void>;
  loop(signals: LoopSignals): Promise<void>;
}

import type { Sql } from "postgres";
import type { Clock } from "./clock.ts";
import { HungRunError, TooManyFailuresError } from "./errors.ts";
import type { EventBus, RuntimeEvent } from "./events.ts";
import {
  type Health,
  type HealthEvent,
  initialHealth,
  type LastRun,
  nextHealth,
} from "./health.ts";
import type { JobContext, JobSpec, Trigger } from "./job.ts";
import { describeError, type Logger } from "./log.ts";
import { type Command, createMailbox, type Mailbox, type Message } from "./mailbox.ts";
import { retryDelay } from "./policy.ts";
import { runWithDeadline } from "./deadline.ts";
import type { FinalOutcome, RunRecord, RunStore, UnrecordedFailure } from "./run_store.ts";
import { slotsBetween } from "./schedule.ts";

/** What a job actor needs from its surroundings. */
export interface JobActorDeps {
  store: RunStore;
  db: Sql;
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
  /** Feeds a health event from outside the loop (the supervisor's restart decisions). */
  apply(event: HealthEvent): void;
  loop(signals: LoopSignals): Promise<void>;
}

type Executed = { run: RunRecord | null; crash?: Error };

/** Makes the actor for one job. Nothing runs until the supervisor calls `loop`. */
export function createJobActor(spec: JobSpec, deps: JobActorDeps): JobActor {
  const { store, clock, events, node } = deps;
  const log = deps.log.child({ job: spec.name });
  let health = initialHealth(clock.now());
  let failuresSinceStart = 0;
  let current: { processed?: number; total?: number; note?: string } | undefined;
  const mailbox = createMailbox({
    commandLimit: deps.commandLimit,
    onDeadLetter(message, reason) {
      const what = message.kind === "tick" ? `tick ${message.slot.toISOString()}` : message.name;
      log.warn("dead letter", { message: what, reason });
      events.emit({ type: "dead-letter", job: spec.name, message: what, reason });
    },
  });

  const apply = (e: HealthEvent) => void (health = nextHealth(health, e));
  // Events about a message go out once the actor has finished with it, so a listener
  // that reacts by posting again finds the actor ready.
  const pending: RuntimeEvent[] = [];
  const emitLater = (e: RuntimeEvent) => void pending.push(e);
  const flush = () => {
    for (const e of pending.splice(0)) events.emit(e);
  };

  // What the store could not take while it was away; written as soon as it answers again.
  const unrecorded: UnrecordedFailure[] = [];
  const unfinished: Array<{ runId: string; outcome: FinalOutcome }> = [];

  async function settleBacklog() {
    if (unrecorded.length > 0) {
      await store.recordFailures(unrecorded);
      log.info("recorded the failures of the outage", { count: unrecorded.length });
      unrecorded.length = 0;
    }
    while (unfinished.length > 0) {
      const { runId, outcome } = unfinished[0];
      if (!(await store.finish(runId, node, outcome))) {
        log.warn("late outcome refused: the lease was taken", {
          run: runId,
          outcome: outcome.outcome,
        });
      }
      unfinished.shift();
    }
  }

  async function tolerant<T>(what: string, fallback: T, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      log.warn(`cannot ${what}: the store is unavailable`, { error });
      return fallback;
    }
  }

  async function refreshPaused() {
    const paused = await tolerant(
      "read the pause state",
      health.paused,
      () => store.isPaused(spec.name),
    );
    if (paused !== health.paused) apply({ type: paused ? "paused" : "resumed" });
    return paused;
  }

  async function runOnce(claim: RunRecord, kill: AbortSignal): Promise<Executed> {
    const controller = new AbortController();
    const onKill = () => controller.abort(kill.reason);
    kill.addEventListener("abort", onKill, { once: true });
    const leaseStop = new AbortController();
    apply({
      type: "run-started",
      runId: claim.id,
      scheduledFor: claim.scheduledFor,
      trigger: claim.trigger,
      at: claim.startedAt,
    });
    current = undefined;
    const renewing = keepLease(claim.id, controller, leaseStop.signal);
    const ctx: JobContext = {
      db: deps.db,
      clock,
      log: log.child({ run: claim.id }),
      signal: controller.signal,
      scheduledFor: claim.scheduledFor,
      trigger: claim.trigger,
      attempt: claim.attempt,
      runId: claim.id,
      progress: (p) => void (current = { ...current, ...p }),
    };
    let outcome: FinalOutcome;
    let crash: Error | undefined;
    try {
      const ended = await runWithDeadline({
        work: () => spec.run(ctx),
        controller,
        clock,
        timeoutMs: spec.timeoutMs,
        graceMs: deps.hangGraceMs,
        onLateSettle: (ok) => log.warn("abandoned run settled late", { run: claim.id, ok }),
      });
      outcome = ended.outcome;
      if (ended.hung) {
        crash = new HungRunError(
          `run ${claim.id} of ${spec.name} ${"error" in outcome ? outcome.error : ""}`,
        );
      }
    } finally {
      leaseStop.abort();
      kill.removeEventListener("abort", onKill);
    }
    await renewing;
    let stored: RunRecord | null;
    try {
      stored = await store.finish(claim.id, node, outcome);
    } catch (error) {
      log.warn("cannot write the outcome now; it is written once the store answers", {
        run: claim.id,
        error,
      });
      unfinished.push({ runId: claim.id, outcome });
      const finishedAt = clock.now();
      const error_ = "error" in outcome ? outcome.error : null;
      finished({
        ...claim,
        outcome: outcome.outcome,
        finishedAt,
        error: error_,
        result: outcome.result ?? null,
      });
      return { run: { ...claim, outcome: outcome.outcome, finishedAt, error: error_ }, crash };
    }
    if (!stored) {
      log.warn("late outcome refused: the lease was taken", {
        run: claim.id,
        outcome: outcome.outcome,
      });
      emitLater({ type: "run-refused", job: spec.name, runId: claim.id });
    }
    const run = stored ??
      { ...claim, outcome: "abandoned", error: "lease lost before the outcome was written" };
    finished(run);
    return { run, crash };
  }

  function finished(run: RunRecord) {
    const finishedAt = run.finishedAt ?? clock.now();
    const last: LastRun = {
      runId: run.id,
      scheduledFor: run.scheduledFor,
      trigger: run.trigger,
      startedAt: run.startedAt,
      finishedAt,
      durationMs: run.durationMs ?? finishedAt.getTime() - run.startedAt.getTime(),
      outcome: run.outcome,
      error: run.error ?? undefined,
    };
    apply({ type: "run-finished", run: last });
    const level = run.outcome === "succeeded" ? "info" : "warn";
    log[level]("run finished", {
      run: run.id,
      slot: run.scheduledFor.toISOString(),
      trigger: run.trigger,
      outcome: run.outcome,
      durationMs: last.durationMs,
      error: run.error ?? undefined,
    });
    emitLater({ type: "run-finished", job: spec.name, run });
  }

  async function keepLease(runId: string, run: AbortController, signal: AbortSignal) {
    const every = Math.max(10, Math.floor(deps.leaseMs / 3));
    while (!signal.aborted) {
      try {
        await clock.sleep(every, signal);
      } catch {
        return; // the run ended
      }
      const ours = await store.renew(runId, node, deps.leaseMs).catch((error) => {
        log.warn("lease renewal failed", { run: runId, error });
        return true; // keep trying; the rescuer decides once the lease really expires
      });
      if (!ours) {
        log.warn("lease lost: another node abandoned this run", { run: runId });
        run.abort(new Error("lease lost"));
        return;
      }
    }
  }

  async function execute(
    slot: Date,
    trigger: Trigger,
    signals: LoopSignals,
    firstId?: string,
  ): Promise<Executed> {
    let attempt = 1;
    let why = trigger;
    for (;;) {
      const id = attempt === 1 && firstId ? firstId : crypto.randomUUID();
      const { leaseMs } = deps;
      const request = { id, job: spec.name, scheduledFor: slot, trigger: why, node, attempt };
      let claim: RunRecord | null;
      try {
        await settleBacklog();
        claim = await store.claim({ ...request, leaseMs });
      } catch (cause) {
        // The run cannot even start. It fails, is kept, and is written once the store is back;
        // this is the store's outage, not the job's fault, so it does not count towards a restart.
        const at = clock.now();
        const failure: UnrecordedFailure = {
          ...request,
          startedAt: at,
          error: `store unavailable: ${describeError(cause)}`,
        };
        if (unrecorded.length < 100) unrecorded.push(failure);
        log.warn("cannot claim the run; its failure is recorded once the store answers", {
          error: failure.error,
        });
        const run: RunRecord = {
          ...failure,
          outcome: "failed",
          finishedAt: at,
          durationMs: 0,
          result: null,
        };
        finished(run);
        return { run };
      }
      if (claim) emitLater({ type: "claimed", job: spec.name, trigger: why });
      if (!claim) {
        log.debug("lost the claim: another node has this slot", { slot: slot.toISOString() });
        emitLater({ type: "tick-skipped", job: spec.name, slot, reason: "lost-claim" });
        await tolerant(
          "count a lost claim",
          undefined,
          () => store.count(spec.name, node, "lost_claims"),
        );
        return { run: null };
      }
      const done = await runOnce(claim, signals.kill);
      if (done.crash || done.run?.outcome === "succeeded") {
        if (!done.crash) failuresSinceStart = 0;
        return done;
      }
      failuresSinceStart++;
      const delay = retryDelay(spec.retry, attempt, deps.random());
      if (delay === null || signals.stop.aborted) {
        if (failuresSinceStart >= spec.maxConsecutiveFailures) {
          const crash = new TooManyFailuresError(
            `${spec.name} failed ${failuresSinceStart} runs in a row (max ${spec.maxConsecutiveFailures}); last error: ${done.run?.error}`,
          );
          return { ...done, crash };
        }
        return done;
      }
      apply({
        type: "retry-scheduled",
        attempt: attempt + 1,
        retryAt: new Date(clock.now().getTime() + delay),
      });
      try {
        await clock.sleep(delay, signals.stop);
      } catch {
        return done; // stopping: no more tries
      }
      attempt++;
      why = "retry";
    }
  }

  async function catchUp(signals: LoopSignals) {
    if (deps.catchUp === false) return;
    const { policy, max, graceMs } = spec.catchUp;
    const last = await tolerant("look for missed slots", null, () => store.lastSlot(spec.name));
    if (!last) return; // never ran here: nothing was missed
    const now = clock.now();
    const missed = slotsBetween(spec.schedule, last, now, 1_000);
    if (missed.length === 0) return;
    const inGrace = missed.filter((s) => now.getTime() - s.getTime() <= graceMs);
    const toRun = policy === "skip"
      ? []
      : policy === "once"
      ? inGrace.slice(-1)
      : inGrace.slice(-max);
    const skipped = missed.filter((s) => !toRun.includes(s));
    log.info("catch-up", {
      policy,
      missed: missed.length,
      run: toRun.length,
      skipped: skipped.length,
    });
    if (skipped.length > 0) {
      const reason = `catch-up ${policy}`;
      await tolerant(
        "record skipped slots",
        undefined,
        () => store.recordSkipped(spec.name, node, skipped, reason),
      );
    }
    for (const slot of toRun) {
      if (signals.stop.aborted) return;
      const done = await execute(slot, "catch-up", signals);
      if (done.crash) throw done.crash;
    }
  }

  async function handle(message: Message, signals: LoopSignals): Promise<"continue" | "stop"> {
    if (message.kind === "tick") {
      if (await refreshPaused()) {
        emitLater({ type: "tick-skipped", job: spec.name, slot: message.slot, reason: "paused" });
        await tolerant(
          "count a paused skip",
          undefined,
          () => store.count(spec.name, node, "paused_skips"),
        );
        return "continue";
      }
      mailbox.handlingTick(true);
      try {
        const done = await execute(message.slot, message.trigger, signals);
        if (done.crash) throw done.crash;
      } finally {
        mailbox.handlingTick(false);
      }
      return "continue";
    }
    return await command(message, signals);
  }

  async function command(c: Command, signals: LoopSignals): Promise<"continue" | "stop"> {
    try {
      switch (c.name) {
        case "run": {
          const { runId } = (c.payload ?? {}) as { runId?: string };
          const done = await execute(clock.now(), "manual", signals, runId);
          c.reply?.resolve(done.run);
          if (done.crash) throw done.crash;
          return "continue";
        }
        case "pause":
        case "resume": {
          try {
            await store.setPaused(spec.name, c.name === "pause");
          } catch (error) {
            log.warn(`cannot ${c.name}`, { error });
            c.reply?.reject(error); // the operator hears it; the actor keeps serving
            return "continue";
          }
          apply({ type: c.name === "pause" ? "paused" : "resumed" });
          log.info(c.name === "pause" ? "paused" : "resumed");
          c.reply?.resolve(health);
          if (c.name === "resume") await catchUp(signals);
          return "continue";
        }
        case "stop":
          c.reply?.resolve(health);
          return "stop";
        default:
          throw new Error(`Cannot handle command "${c.name}": expected run, pause, resume or stop`);
      }
    } catch (error) {
      c.reply?.reject(error);
      throw error;
    }
  }

  return {
    spec,
    mailbox,
    health: () => health,
    progress: () => current,
    apply,
    async loop(signals) {
      mailbox.reopen();
      failuresSinceStart = 0;
      apply({ type: "loop-started" });
      try {
        if (!(await refreshPaused())) await catchUp(signals);
      } finally {
        flush();
      }
      for (;;) {
        const message = await mailbox.take(signals.stop);
        if (!message) break;
        try {
          if ((await handle(message, signals)) === "stop") break;
        } finally {
          flush();
        }
      }
      mailbox.close();
      apply({ type: "stopped" });
    },
  };
}

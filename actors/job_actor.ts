import { TooManyFailuresError } from "./errors.ts";
import type { RuntimeEvent } from "./events.ts";
import { type HealthEvent, initialHealth, lastRunOf, nextHealth } from "./health.ts";
import type { JobSpec, Trigger } from "./job.ts";
import { type Command, createMailbox, type Message } from "./mailbox.ts";
import { describeCommand } from "./commands.ts";
import { retryDelay } from "./policy.ts";
import type { RunRecord } from "./run_store.ts";
import { createBacklog } from "./backlog.ts";
import { type Attempt, runAttempt } from "./attempt.ts";
import { catchUpMissed } from "./catch_up.ts";
import { handOnTry } from "./hand_on.ts";
import type { JobActor, JobActorDeps, LoopSignals } from "./job_actor_api.ts";

export type { JobActor, JobActorDeps, LoopSignals } from "./job_actor_api.ts";

/** `unclaimed`: the store was away, so the slot was not taken (the failure waits in the backlog). */
type Executed = { run: RunRecord | null; crash?: Error; unclaimed?: boolean };

/**
 * Makes the actor for one job: its loop takes one message at a time and dispatches it.
 * The parts live beside it: the attempt (`attempt.ts`), the catch-up plan (`catch_up.ts`),
 * the store backlog (`backlog.ts`), the commands (`commands.ts`). Nothing runs until the
 * supervisor calls `loop`.
 */
export function createJobActor(spec: JobSpec, deps: JobActorDeps): JobActor {
  const { store, clock, events, node } = deps;
  const log = deps.log.child({ job: spec.name });
  let health = initialHealth(clock.now());
  let failuresSinceStart = 0;
  let current: { processed?: number; total?: number; note?: string } | undefined;
  const mailbox = createMailbox({
    commandLimit: deps.commandLimit,
    onDeadLetter(message, reason) {
      const what = message.kind === "tick"
        ? `tick ${message.slot.toISOString()}`
        : describeCommand(message);
      log.warn("dead letter", { message: what, reason });
      events.emit({ type: "dead-letter", job: spec.name, message: what, reason });
    },
  });
  const backlog = createBacklog({ store, node, log });
  const apply = (e: HealthEvent) => void (health = nextHealth(health, e));
  // Events about a message go out once the actor has finished with it, so a listener
  // that reacts by posting again finds the actor ready.
  const pending: RuntimeEvent[] = [];
  const emitLater = (e: RuntimeEvent) => void pending.push(e);
  const flush = () => {
    for (const e of pending.splice(0)) events.emit(e);
  };

  async function tolerant<T>(what: string, fallback: T, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      log.warn(`cannot ${what}: the store is unavailable`, { error });
      return fallback;
    }
  }

  async function refreshPaused() {
    const before = health.paused;
    const paused = await tolerant("read the pause state", before, () => store.isPaused(spec.name));
    // The control plane changed it while this read was out: the newer word wins.
    if (health.paused !== before) return health.paused;
    if (paused !== before) apply({ type: paused ? "paused" : "resumed" });
    return paused;
  }

  function finished(run: RunRecord) {
    const last = lastRunOf(run, clock.now());
    apply({ type: "run-finished", run: last });
    // A run that changed nothing (lease-rescue finding no expired lease, 2,880 times a day) is
    // a debug line; one that changed something, or did not succeed, is always told.
    const level = run.outcome !== "succeeded"
      ? "warn"
      : run.result?.changed === 0
      ? "debug"
      : "info";
    log[level]("run finished", {
      run: run.id,
      slot: run.scheduledFor.toISOString(),
      trigger: run.trigger,
      outcome: run.outcome,
      durationMs: last.durationMs,
      changed: run.result?.changed,
      error: run.error ?? undefined,
    });
    emitLater({ type: "run-finished", job: spec.name, run });
  }

  async function attempt(claim: RunRecord, signals: LoopSignals): Promise<Attempt> {
    apply({
      type: "run-started",
      runId: claim.id,
      scheduledFor: claim.scheduledFor,
      trigger: claim.trigger,
      at: claim.startedAt,
    });
    current = undefined;
    const done = await runAttempt(claim, signals.kill, {
      spec,
      store,
      clock,
      log,
      node,
      leaseMs: deps.leaseMs,
      hangGraceMs: deps.hangGraceMs,
      connections: deps.connections,
      backlog,
      progress: (p) => void (current = { ...current, ...p }),
    });
    if (done.refused) emitLater({ type: "run-refused", job: spec.name, runId: claim.id });
    finished(done.run);
    return done;
  }

  /**
   * Claims and runs one slot, with the job's retries; `retryOf` names an abandoned run it
   * redoes, `attempt` the try it starts at (a dead retry's next).
   */
  async function execute(
    slot: Date,
    trigger: Trigger,
    signals: LoopSignals,
    first: { id?: string; retryOf?: string; attempt?: number } = {},
  ): Promise<Executed> {
    const from = first.attempt ?? 1;
    let tries = from;
    let why = trigger;
    for (;;) {
      const id = tries === from && first.id ? first.id : crypto.randomUUID();
      const request = {
        id,
        job: spec.name,
        scheduledFor: slot,
        trigger: why,
        node,
        attempt: tries,
        retryOf: tries === from ? first.retryOf : undefined,
      };
      let claim: RunRecord | null;
      try {
        await backlog.settle();
        claim = await store.claim({ ...request, leaseMs: deps.leaseMs });
      } catch (cause) {
        // The run cannot even start. It fails, is kept, and is written once the store is back;
        // this is the store's outage, not the job's fault, so it does not count towards a restart.
        const run = backlog.failedToClaim(request, cause, clock.now());
        finished(run);
        return { run, unclaimed: true };
      }
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
      emitLater({ type: "claimed", job: spec.name, trigger: why });
      const done = await attempt(claim, signals);
      if (done.crash || done.run.outcome === "succeeded") {
        if (!done.crash) failuresSinceStart = 0;
        return done;
      }
      failuresSinceStart++;
      const delay = retryDelay(spec.retry, tries, deps.random());
      // Stopping with a try owed (now, or during the backoff): it is handed on, not given up.
      const owed = { slot, trigger, attempt: tries + 1, after: done.run.id };
      const handOn = () => handOnTry({ ...deps, log, spec }, owed);
      if (delay !== null && signals.stop.aborted) await handOn();
      if (delay === null || signals.stop.aborted) {
        if (failuresSinceStart >= spec.maxConsecutiveFailures) {
          const crash = new TooManyFailuresError(
            `${spec.name} failed ${failuresSinceStart} runs in a row (max ${spec.maxConsecutiveFailures}); last error: ${done.run.error}`,
          );
          return { ...done, crash };
        }
        return done;
      }
      const retryAt = new Date(clock.now().getTime() + delay);
      apply({ type: "retry-scheduled", attempt: tries + 1, retryAt });
      const stopped = await clock.sleep(delay, signals.stop).then(() => false, () => true);
      if (stopped) return await handOn().then(() => done);
      tries++;
      why = "retry";
    }
  }

  async function catchUp(signals: LoopSignals) {
    if (deps.catchUp === false) return;
    await catchUpMissed({
      spec,
      store,
      clock,
      log,
      node,
      stop: signals.stop,
      async run(slot) {
        const done = await execute(slot, "catch-up", signals);
        if (done.crash) throw done.crash;
      },
    });
  }

  async function onTick(slot: Date, trigger: Trigger, signals: LoopSignals) {
    if (await refreshPaused()) {
      emitLater({ type: "tick-skipped", job: spec.name, slot, reason: "paused" });
      await tolerant(
        "count a paused skip",
        undefined,
        () => store.count(spec.name, node, "paused_skips"),
      );
      return;
    }
    mailbox.handlingTick(true);
    try {
      const done = await execute(slot, trigger, signals);
      if (done.crash) throw done.crash;
    } finally {
      mailbox.handlingTick(false);
    }
  }

  async function onCommand(c: Command, signals: LoopSignals): Promise<"continue" | "stop"> {
    switch (c.name) {
      case "run": {
        let done: Executed;
        try {
          done = await execute(clock.now(), "manual", signals, { id: c.runId });
        } catch (error) {
          c.reply?.reject(error);
          throw error;
        }
        c.reply?.resolve(done.run);
        if (done.crash) throw done.crash;
        return "continue";
      }
      case "retry-abandoned": {
        if (health.paused) {
          c.unclaimed?.(); // handed again after the resume
          return "continue";
        }
        log.info("running an abandoned slot again", {
          slot: c.slot.toISOString(),
          retryOf: c.retryOf,
        });
        const done = await execute(c.slot, "retry", signals, {
          retryOf: c.retryOf,
          attempt: c.attempt,
        });
        if (done.unclaimed) c.unclaimed?.();
        if (done.crash) throw done.crash;
        return "continue";
      }
      case "catch-up":
        if (!(await refreshPaused())) await catchUp(signals);
        return "continue";
      case "stop":
        c.reply?.resolve(health);
        return "stop";
    }
  }

  return {
    spec,
    mailbox,
    health: () => health,
    progress: () => current,
    apply,
    settleBacklog: () => backlog.size > 0 ? backlog.settle() : Promise.resolve(),
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
        const message: Message | null = await mailbox.take(signals.stop);
        if (!message) break;
        try {
          if (message.kind === "tick") await onTick(message.slot, message.trigger, signals);
          else if ((await onCommand(message, signals)) === "stop") break;
        } finally {
          flush();
        }
      }
      mailbox.close();
      apply({ type: "stopped" });
    },
  };
}

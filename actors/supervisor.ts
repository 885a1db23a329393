import type { Clock } from "./clock.ts";
import type { EventBus } from "./events.ts";
import { describeError, type Logger } from "./log.ts";
import { decideRestart, type RestartPolicy, type RestartType } from "./policy.ts";

/** A supervised child: a loop the supervisor starts, and restarts by policy when it ends. */
export interface ChildSpec {
  id: string;
  restart: RestartType;
  /** Runs until `stop` (drain) or `kill` (abort now); resolves on a normal exit, throws on failure. */
  loop(signals: { stop: AbortSignal; kill: AbortSignal }): Promise<void>;
  /** Hears the supervisor's decisions, so the child's health can show them. */
  onRestarting?(restartAt: Date, error: string): void;
  onGaveUp?(at: Date, error: string): void;
}

export interface Alert {
  child: string;
  error: string;
  at: Date;
}

export interface SupervisorOptions {
  clock: Clock;
  log: Logger;
  events: EventBus;
  policy: RestartPolicy;
  random: () => number;
  /** How often the supervisor proves it is alive (default 5 s). */
  heartbeatMs?: number;
}

/** A one_for_one supervisor: a failing child is restarted alone. */
export interface Supervisor {
  start(children: ChildSpec[]): void;
  /** Drains every child; after `drainMs` their kill signal aborts. Resolves when all have ended. */
  shutdown(drainMs: number): Promise<void>;
  /** When the supervisor last beat. Liveness compares it with now. */
  lastHeartbeat(): Date;
  readonly heartbeatMs: number;
}

/** Makes a supervisor; nothing starts until `start`. */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  const { clock, log, events, policy } = options;
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const stop = new AbortController();
  const kill = new AbortController();
  const running: Promise<void>[] = [];
  let beat = clock.now();

  async function heartbeat() {
    while (!stop.signal.aborted) {
      beat = clock.now();
      await clock.sleep(heartbeatMs, stop.signal).catch(() => {});
    }
  }

  async function supervise(child: ChildSpec) {
    const failures: number[] = [];
    const signals = { stop: stop.signal, kill: kill.signal };
    while (!stop.signal.aborted) {
      let exit: "normal" | "failure" = "normal";
      let error = "";
      try {
        await child.loop(signals);
      } catch (e) {
        exit = "failure";
        error = describeError(e);
        failures.push(clock.now().getTime());
      }
      if (stop.signal.aborted) break;
      const decision = decideRestart({
        restart: child.restart,
        exit,
        failures,
        now: clock.now().getTime(),
        policy,
        random: options.random(),
      });
      if (decision.action === "leave") {
        if (exit === "failure") child.onGaveUp?.(clock.now(), error);
        log.info("child ended", { child: child.id, exit, error: error || undefined });
        events.emit({ type: "child-stopped", child: child.id });
        return;
      }
      if (decision.action === "give-up") {
        const at = clock.now();
        const why = `${decision.reason}; last error: ${error}`;
        child.onGaveUp?.(at, why);
        log.error("giving up on child", { child: child.id, error: why });
        events.emit({ type: "gave-up", child: child.id, error: why });
        return;
      }
      const restartAt = new Date(clock.now().getTime() + decision.delayMs);
      child.onRestarting?.(restartAt, error);
      log.warn("restarting child", {
        child: child.id,
        delayMs: decision.delayMs,
        attempt: decision.attempt,
        error,
      });
      events.emit({ type: "restarting", child: child.id, delayMs: decision.delayMs, error });
      try {
        await clock.sleep(decision.delayMs, stop.signal);
      } catch {
        break; // shutting down
      }
    }
  }

  return {
    heartbeatMs,
    start(children) {
      running.push(heartbeat());
      for (const child of children) running.push(supervise(child));
    },
    async shutdown(drainMs) {
      stop.abort(new Error("shutting down"));
      const timer = new AbortController();
      const all = Promise.all(running);
      const drained = await Promise.race([
        all.then(() => true),
        clock.sleep(drainMs, timer.signal).then(() => false, () => true),
      ]);
      timer.abort();
      if (!drained) {
        log.warn("drain timeout: aborting running jobs", { drainMs });
        kill.abort(new Error(`shutdown: still running after ${drainMs} ms`));
      }
      await all;
    },
    lastHeartbeat: () => beat,
  };
}

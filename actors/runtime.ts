import type { Sql } from "postgres";
import type { Clock } from "./clock.ts";
import { UnknownJobError } from "./errors.ts";
import { createEventBus, type EventBus } from "./events.ts";
import { type ActorStatus, type Health, isStale, type LastRun } from "./health.ts";
import type { JobSpec } from "./job.ts";
import { createJobActor, type JobActor } from "./job_actor.ts";
import type { Logger } from "./log.ts";
import type { TickReceipt } from "./mailbox.ts";
import { defaultRestartPolicy, type RestartPolicy } from "./policy.ts";
import type { RunRecord, RunStore } from "./run_store.ts";
import { describeSchedule, nextSlot, typicalIntervalMs } from "./schedule.ts";
import { type Alert, type ChildSpec, createSupervisor } from "./supervisor.ts";
import { startTicks } from "./ticks.ts";

export interface RuntimeOptions {
  jobs: JobSpec[];
  store: RunStore;
  db: Sql;
  clock: Clock;
  log: Logger;
  node: string;
  events?: EventBus;
  restartPolicy?: RestartPolicy;
  random?: () => number;
  commandLimit?: number;
  leaseMs?: number;
  hangGraceMs?: number;
  heartbeatMs?: number;
  /** Catch up missed slots on start and resume (default true). */
  catchUp?: boolean;
  /** Where ticks come from: `Deno.cron` and timers, or only `tick()` calls (tests). */
  ticks?: "schedule" | "manual";
  onAlert?(alert: Alert): void;
  /** More supervised children beside the jobs (the outbox delivery, the Telegram poller). */
  children?: ChildSpec[];
}

/** One job as `/health/tasks` shows it. */
export interface TaskView {
  name: string;
  description: string;
  schedule: string;
  timezone: string;
  status: ActorStatus["kind"];
  paused: boolean;
  nextRunAt: string | null;
  lastRun:
    | (Omit<LastRun, "scheduledFor" | "startedAt" | "finishedAt"> & {
      scheduledFor: string;
      startedAt: string;
      finishedAt: string;
    })
    | null;
  lastSuccessAt: string | null;
  consecutiveFailures: number;
  restarts: number;
  mailboxDepth: number;
  stale: boolean;
  error?: string;
  progress?: { processed?: number; total?: number; note?: string };
}

export interface Summary {
  status: "healthy" | "degraded";
  jobs: number;
  byStatus: Record<string, number>;
  failed: string[];
  stale: string[];
}

/** The job runtime: actors under a supervisor, fed by their schedules. */
export interface Runtime {
  readonly events: EventBus;
  start(): void;
  shutdown(drainMs: number): Promise<void>;
  names(): string[];
  actor(name: string): JobActor;
  tasks(): TaskView[];
  task(name: string): TaskView;
  /** Posts a tick for `slot` (what a cron handler does). */
  tick(name: string, slot: Date, trigger?: "cron" | "catch-up"): TickReceipt;
  /** Queues a manual run and returns its id at once. */
  trigger(name: string): string;
  /** Queues a manual run and waits for it (null if it could not claim). */
  run(name: string): Promise<RunRecord | null>;
  pause(name: string): Promise<Health>;
  resume(name: string): Promise<Health>;
  /** Stops one actor for good; later messages to it are dead letters. */
  stop(name: string): Promise<Health>;
  summary(): Summary;
  liveness(): { ok: boolean; lastHeartbeat: Date };
}

/** Wires job actors, their tick sources and the supervisor. */
export function createRuntime(options: RuntimeOptions): Runtime {
  const { clock, log } = options;
  const events = options.events ??
    createEventBus((e) => log.error("event listener failed", { error: e }));
  const random = options.random ?? Math.random;
  const actors = new Map<string, JobActor>();
  for (const spec of options.jobs) {
    if (actors.has(spec.name)) throw new Error(`Cannot register job "${spec.name}" twice`);
    actors.set(
      spec.name,
      createJobActor(spec, {
        store: options.store,
        db: options.db,
        clock,
        log,
        events,
        node: options.node,
        random,
        commandLimit: options.commandLimit ?? 8,
        leaseMs: options.leaseMs ?? 30_000,
        hangGraceMs: options.hangGraceMs ?? 5_000,
        catchUp: options.catchUp,
      }),
    );
  }
  const supervisor = createSupervisor({
    clock,
    log,
    events,
    random,
    policy: options.restartPolicy ?? defaultRestartPolicy,
    heartbeatMs: options.heartbeatMs,
    onAlert: options.onAlert,
  });
  const ticking = new AbortController();
  const tickSources: Promise<void>[] = [];

  function actor(name: string): JobActor {
    const found = actors.get(name);
    if (!found) throw new UnknownJobError(name, [...actors.keys()]);
    return found;
  }

  function ask<T>(name: string, command: string, payload?: unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      actor(name).mailbox.postCommand({
        kind: "command",
        name: command,
        payload,
        reply: { resolve: resolve as (v: unknown) => void, reject },
      });
    });
  }

  /** Through the actor when it serves; straight to the store when it has stopped or failed. */
  async function setPaused(name: string, paused: boolean): Promise<Health> {
    const a = actor(name);
    if (!a.mailbox.closed) return await ask<Health>(name, paused ? "pause" : "resume");
    await options.store.setPaused(name, paused);
    a.apply({ type: paused ? "paused" : "resumed" });
    return a.health();
  }

  function view(a: JobActor): TaskView {
    const h = a.health();
    const now = clock.now();
    const spec = a.spec;
    const maxAge = spec.maxAgeMs ?? 2 * typicalIntervalMs(spec.schedule, now) + spec.timeoutMs;
    const last = h.lastRun;
    const live = h.status.kind !== "stopped" && h.status.kind !== "failed";
    return {
      name: spec.name,
      description: spec.description,
      schedule: describeSchedule(spec.schedule),
      timezone: spec.timezone ?? "UTC",
      status: h.status.kind,
      paused: h.paused,
      nextRunAt: live && !h.paused ? nextSlot(spec.schedule, now).toISOString() : null,
      lastRun: last
        ? {
          ...last,
          scheduledFor: last.scheduledFor.toISOString(),
          startedAt: last.startedAt.toISOString(),
          finishedAt: last.finishedAt.toISOString(),
        }
        : null,
      lastSuccessAt: h.lastSuccessAt?.toISOString() ?? null,
      consecutiveFailures: h.consecutiveFailures,
      restarts: h.restarts,
      mailboxDepth: a.mailbox.depth,
      stale: isStale(h, now, maxAge),
      ...("error" in h.status ? { error: h.status.error } : {}),
      ...(h.status.kind === "running" && a.progress() ? { progress: a.progress() } : {}),
    };
  }

  return {
    events,
    start() {
      const jobChildren = [...actors.values()].map((a): ChildSpec => ({
        id: a.spec.name,
        restart: "transient",
        loop: a.loop,
        onRestarting: (restartAt, error) => a.apply({ type: "restarting", restartAt, error }),
        onGaveUp: (at, error) => {
          a.apply({ type: "gave-up", at, error });
          a.mailbox.close(); // nobody will read it: later messages are dead letters, not hung asks
        },
      }));
      supervisor.start([...jobChildren, ...(options.children ?? [])]);
      if (options.ticks === "manual") return;
      for (const a of actors.values()) {
        tickSources.push(
          startTicks(
            a.spec,
            (slot) => void a.mailbox.postTick({ kind: "tick", slot, trigger: "cron" }),
            {
              clock,
              signal: ticking.signal,
              log,
            },
          ),
        );
      }
    },
    async shutdown(drainMs) {
      ticking.abort();
      await Promise.all(tickSources);
      await supervisor.shutdown(drainMs);
      for (const a of actors.values()) a.mailbox.close();
      await options.store.releaseLeases(options.node).catch((error) =>
        log.warn("cannot release leases; the rescuer will settle them", { error })
      );
    },
    names: () => [...actors.keys()],
    actor,
    tasks: () => [...actors.values()].map(view),
    task: (name) => view(actor(name)),
    tick: (name, slot, trigger = "cron") =>
      actor(name).mailbox.postTick({ kind: "tick", slot, trigger }),
    trigger(name) {
      const runId = crypto.randomUUID();
      actor(name).mailbox.postCommand({
        kind: "command",
        name: "run",
        payload: { runId },
        reply: { resolve: () => {}, reject: () => {} }, // the outcome is in the run history
      });
      return runId;
    },
    run: (name) => ask<RunRecord | null>(name, "run", { runId: crypto.randomUUID() }),
    pause: (name) => setPaused(name, true),
    resume: (name) => setPaused(name, false),
    stop: (name) => ask<Health>(name, "stop"),
    summary() {
      const tasks = [...actors.values()].map(view);
      const byStatus: Record<string, number> = {};
      for (const t of tasks) byStatus[t.status] = (byStatus[t.status] ?? 0) + 1;
      const failed = tasks.filter((t) => t.status === "failed").map((t) => t.name);
      const stale = tasks.filter((t) => t.stale).map((t) => t.name);
      return {
        status: failed.length || stale.length ? "degraded" : "healthy",
        jobs: tasks.length,
        byStatus,
        failed,
        stale,
      };
    },
    liveness() {
      const lastHeartbeat = supervisor.lastHeartbeat();
      const ok = clock.now().getTime() - lastHeartbeat.getTime() <= 3 * supervisor.heartbeatMs;
      return { ok, lastHeartbeat };
    },
  };
}

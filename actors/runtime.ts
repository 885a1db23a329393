import type { Sql } from "postgres";
import type { Clock } from "./clock.ts";
import { ShuttingDownError, UnknownJobError } from "./errors.ts";
import { createEventBus, type EventBus } from "./events.ts";
import type { Health } from "./health.ts";
import type { JobSpec } from "./job.ts";
import { createJobActor, type JobActor } from "./job_actor.ts";
import type { Logger } from "./log.ts";
import type { TickReceipt } from "./mailbox.ts";
import type { Command, Reply } from "./commands.ts";
import { defaultRestartPolicy, type RestartPolicy } from "./policy.ts";
import { type RunConnections, sharedConnections } from "./run_db.ts";
import type { JobSummary, RunRecord, RunStore } from "./run_store.ts";
import { type Alert, type ChildSpec, createSupervisor } from "./supervisor.ts";
import { startTicks } from "./ticks.ts";
import { maxAgeOf, summarize, type Summary, type TaskView, taskView } from "./task_view.ts";
import { startControl } from "./control.ts";
import { SHUTDOWN_STEPS_MS, within } from "./shutdown.ts";

export type { Summary, TaskView };

/** How long a read of the cluster's job state may take before health shows this replica's own. */
const CLUSTER_READ_MS = 1_000;

/** Where alerts go: one per incident (a job given up), and one when the job succeeds again. */
export interface AlertSink {
  raise(alert: Alert): Promise<void>;
  /** A run of `job` succeeded: closes its open incident, if any, with a recovery message. */
  recovered(job: string, at: Date): Promise<void>;
}

export interface RuntimeOptions {
  jobs: JobSpec[];
  store: RunStore;
  db: Sql;
  /** Each run's own database handle (cancelled when the run is abandoned); default: `db`. */
  connections?: RunConnections;
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
  /** How often the control state is re-read when no notification came (default 1.5 s). */
  controlPollMs?: number;
  /** Catch up missed slots on start and resume (default true). */
  catchUp?: boolean;
  /** Where ticks come from: `Deno.cron` and timers, or only `tick()` calls (tests). */
  ticks?: "schedule" | "manual";
  alerts?: AlertSink;
  /** More supervised children beside the jobs (the outbox delivery, the Telegram poller). */
  children?: ChildSpec[];
}

/** The job runtime: actors under a supervisor, fed by their schedules and the control plane. */
export interface Runtime {
  readonly events: EventBus;
  start(): void;
  shutdown(drainMs: number): Promise<void>;
  readonly shuttingDown: boolean;
  names(): string[];
  actor(name: string): JobActor;
  /** Every job, as the cluster knows it (one read of the database) and as this replica runs it. */
  tasks(): Promise<TaskView[]>;
  task(name: string): Promise<TaskView>;
  /** Posts a tick for `slot` (what a cron handler does). */
  tick(name: string, slot: Date, trigger?: "cron" | "catch-up"): TickReceipt;
  /** Queues a manual run and returns its id at once. */
  trigger(name: string): string;
  /** Queues a manual run and waits for it (null if it could not claim). */
  run(name: string): Promise<RunRecord | null>;
  /** Written to the database at once (never behind a running job); every replica follows. */
  pause(name: string): Promise<void>;
  resume(name: string): Promise<void>;
  pauseAll(): Promise<string[]>;
  resumeAll(): Promise<string[]>;
  /** Reads the control state now (what the watcher does on a notification or its timer). */
  syncControl(): Promise<void>;
  /** Stops one actor for good; later messages to it are dead letters. */
  stop(name: string): Promise<Health>;
  summary(): Promise<Summary>;
  liveness(): { ok: boolean; lastHeartbeat: Date };
}

/** Wires job actors, their tick sources, the control plane and the supervisor. */
export function createRuntime(options: RuntimeOptions): Runtime {
  const { clock, log, store, node } = options;
  const events = options.events ??
    createEventBus((e) => log.error("event listener failed", { error: e }));
  const random = options.random ?? Math.random;
  const connections = options.connections ?? sharedConnections(options.db);
  const actors = new Map<string, JobActor>();
  const maxAge = new Map<string, number>();
  for (const spec of options.jobs) {
    if (actors.has(spec.name)) throw new Error(`Cannot register job "${spec.name}" twice`);
    maxAge.set(spec.name, maxAgeOf(spec, clock.now()));
    actors.set(
      spec.name,
      createJobActor(spec, {
        store,
        connections,
        clock,
        log,
        events,
        node,
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
  });
  const ticking = new AbortController();
  const background: Promise<void>[] = [];
  let shuttingDown = false;

  function actor(name: string): JobActor {
    const found = actors.get(name);
    if (!found) throw new UnknownJobError(name, [...actors.keys()]);
    return found;
  }

  /** Posts a command and waits for its reply; settles with an error if it can never come. */
  function ask<T>(name: string, make: (reply: Reply<T>) => Command): Promise<T> {
    const a = actor(name);
    if (shuttingDown) {
      return Promise.reject(new ShuttingDownError(`Cannot ask ${name}: shutting down`));
    }
    return new Promise<T>((resolve, reject) => a.mailbox.postCommand(make({ resolve, reject })));
  }

  async function readCluster(names: string[]): Promise<Map<string, JobSummary>> {
    // A network bound, in wall time like the client's own timeouts: while the database is
    // away, health answers at once with this replica's own view instead of hanging.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const away = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${CLUSTER_READ_MS} ms`)),
        CLUSTER_READ_MS,
      );
    });
    try {
      const summaries = await Promise.race([store.summaries(names), away]);
      return new Map(summaries.map((s) => [s.job, s]));
    } catch (error) {
      log.warn("cannot read the cluster's job state; showing this replica's", { error });
      return new Map();
    } finally {
      clearTimeout(timer);
    }
  }

  async function views(names: string[]): Promise<TaskView[]> {
    const cluster = await readCluster(names);
    const now = clock.now();
    return names.map((name) => {
      const a = actor(name);
      return taskView({
        spec: a.spec,
        health: a.health(),
        cluster: cluster.get(name),
        mailboxDepth: a.mailbox.depth,
        progress: a.progress(),
        node,
        now,
        maxAgeMs: maxAge.get(name)!,
      });
    });
  }

  async function setPaused(names: string[], paused: boolean) {
    for (const name of names) actor(name); // unknown names fail before anything is written
    await control.setPaused(names, paused);
  }

  const control = startControl({
    store,
    clock,
    log,
    pollMs: options.controlPollMs ?? 1_500,
    actors,
  });

  events.on((e) => {
    if (e.type === "run-finished" && e.run.outcome === "succeeded" && options.alerts) {
      options.alerts.recovered(e.job, clock.now()).catch((error) =>
        log.warn("cannot close the job's incident", { job: e.job, error })
      );
    }
  });

  return {
    events,
    get shuttingDown() {
      return shuttingDown;
    },
    start() {
      const jobChildren = [...actors.values()].map((a): ChildSpec => ({
        id: a.spec.name,
        restart: "transient",
        loop: a.loop,
        onRestarting: (restartAt, error) => a.apply({ type: "restarting", restartAt, error }),
        onGaveUp: (at, error) => {
          a.apply({ type: "gave-up", at, error });
          a.mailbox.close(); // nobody will read it: waiting asks are answered "actor stopped"
          log.error("alert: job given up", { job: a.spec.name, error });
          options.alerts?.raise({ child: a.spec.name, error, at }).catch((e) =>
            log.error("cannot record the alert", { job: a.spec.name, error: e })
          );
        },
      }));
      supervisor.start([...jobChildren, ...(options.children ?? [])]);
      background.push(control.run(ticking.signal));
      if (options.ticks === "manual") return;
      for (const a of actors.values()) {
        background.push(
          startTicks(
            a.spec,
            (slot) => void a.mailbox.postTick({ kind: "tick", slot, trigger: "cron" }),
            { clock, signal: ticking.signal, log },
          ),
        );
      }
    },
    async shutdown(drainMs) {
      shuttingDown = true;
      ticking.abort();
      await Promise.all(background);
      const drained = supervisor.shutdown(drainMs); // aborts `stop` at once
      const why = new ShuttingDownError("shutting down");
      for (const a of actors.values()) a.mailbox.close(why);
      await drained;
      const released = store.releaseLeases(node).catch((error) =>
        log.warn("cannot release leases; the rescuer will settle them", { error })
      );
      if (!(await within(clock, SHUTDOWN_STEPS_MS.releaseLeases, released))) {
        log.warn("releasing leases took too long; the rescuer will settle them");
      }
    },
    names: () => [...actors.keys()],
    actor,
    tasks: () => views([...actors.keys()]),
    task: async (name) => (actor(name), (await views([name]))[0]),
    tick: (name, slot, trigger = "cron") =>
      actor(name).mailbox.postTick({ kind: "tick", slot, trigger }),
    trigger(name) {
      const runId = crypto.randomUUID();
      if (shuttingDown) throw new ShuttingDownError(`Cannot run ${name}: shutting down`);
      // The outcome is in the run history; nobody waits for this reply.
      actor(name).mailbox.postCommand({ kind: "command", name: "run", runId });
      return runId;
    },
    run: (name) =>
      ask<RunRecord | null>(
        name,
        (reply) => ({ kind: "command", name: "run", runId: crypto.randomUUID(), reply }),
      ),
    pause: (name) => setPaused([name], true),
    resume: (name) => setPaused([name], false),
    pauseAll: async () => (await setPaused([...actors.keys()], true), [...actors.keys()]),
    resumeAll: async () => (await setPaused([...actors.keys()], false), [...actors.keys()]),
    syncControl: () => control.sync(),
    stop: (name) => ask<Health>(name, (reply) => ({ kind: "command", name: "stop", reply })),
    async summary() {
      const tasks = await views([...actors.keys()]);
      return summarize(tasks, (name) => actor(name).spec.maxConsecutiveFailures);
    },
    liveness() {
      const lastHeartbeat = supervisor.lastHeartbeat();
      const ok = clock.now().getTime() - lastHeartbeat.getTime() <= 3 * supervisor.heartbeatMs;
      return { ok, lastHeartbeat };
    },
  };
}

import type { Sql } from "postgres";
import { connectClient } from "../../db/connect.ts";
import type { EventBus, RuntimeEvent } from "../../actors/events.ts";
import {
  defineJob,
  type JobContext,
  type JobSpec,
  type JobSpecInput,
  type RunResult,
} from "../../actors/job.ts";
import { createLogger } from "../../actors/log.ts";
import { createRuntime, type Runtime, type RuntimeOptions } from "../../actors/runtime.ts";
import { pgRunStore } from "../../db/run_store.ts";
import { type FakeClock, fakeClock } from "./clock.ts";
import { memoryRunStore } from "./run_store.ts";
import { until, withDeadline } from "./deadline.ts";

/** A runtime on a fake clock and an in-memory store; ticks only when the test says so. */
export function testRuntime(jobs: JobSpec[], overrides: Partial<RuntimeOptions> = {}) {
  const clock = fakeClock("2026-05-01T00:00:00Z");
  const store = memoryRunStore(clock);
  const logs: string[] = [];
  const runtime = createRuntime({
    jobs,
    store,
    db: {} as Sql, // these jobs never touch the database
    clock,
    log: createLogger({ level: "debug", write: (line) => logs.push(line), now: clock.now }),
    node: "node-a",
    random: () => 0.5,
    ticks: "manual",
    hangGraceMs: 1_000,
    // Far away, so the only sleepers a test sees are the ones it is about.
    heartbeatMs: 3_600_000,
    leaseMs: 3_600_000,
    controlPollMs: 3_600_000,
    ...overrides,
  });
  return { runtime, clock, store, logs };
}

/** Resolves with the first event matching `match`; fails the test instead of hanging forever. */
export function nextEvent<T extends RuntimeEvent["type"]>(
  events: EventBus,
  type: T,
  match: (e: Extract<RuntimeEvent, { type: T }>) => boolean = () => true,
): Promise<Extract<RuntimeEvent, { type: T }>> {
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      off();
      reject(new Error(`no "${type}" event came`));
    }, 15_000);
    const off = events.on((e) => {
      if (e.type === type && match(e as Extract<RuntimeEvent, { type: T }>)) {
        clearTimeout(guard);
        off();
        resolve(e as Extract<RuntimeEvent, { type: T }>);
      }
    });
  });
}

/** A job body the test opens and closes: `entered` resolves when a run starts, `release` ends it. */
export function gate() {
  let entered = Promise.withResolvers<JobContext>();
  let release = Promise.withResolvers<RunResult | void>();
  const signals: AbortSignal[] = [];
  return {
    signals,
    entered: () => withDeadline(entered.promise, "a run to enter the gate"),
    release(result: RunResult | void = { processed: 1 }) {
      const r = release;
      entered = Promise.withResolvers();
      release = Promise.withResolvers();
      r.resolve(result);
    },
    fail(error: Error) {
      const r = release;
      entered = Promise.withResolvers();
      release = Promise.withResolvers();
      r.reject(error);
    },
    run: (ctx: JobContext) => {
      signals.push(ctx.signal);
      entered.resolve(ctx);
      return release.promise;
    },
  };
}

/** A job spec with test defaults. */
export function job(input: Partial<JobSpecInput> & Pick<JobSpecInput, "name" | "run">): JobSpec {
  return defineJob({ description: `test job ${input.name}`, schedule: "* * * * *", ...input });
}

/** A runtime on a real database (its own postgres.js client on `url`), on a fake clock. */
export function dbRuntime(
  url: string,
  jobs: JobSpec[],
  options: { node: string; clock?: FakeClock } & Partial<RuntimeOptions>,
) {
  const embedded = !Deno.env.get("DATABASE_URL");
  const sql = connectClient(url, { embedded, max: 1 });
  const clock = options.clock ?? fakeClock("2026-05-01T00:00:00Z");
  const store = pgRunStore(sql, { listen: !embedded });
  const logs: string[] = [];
  const runtime = createRuntime({
    jobs,
    store,
    db: sql,
    clock,
    log: createLogger({ level: "debug", write: (line) => logs.push(line), now: clock.now }),
    random: () => 0.5,
    ticks: "manual",
    hangGraceMs: 1_000,
    heartbeatMs: 3_600_000,
    leaseMs: 3_600_000,
    controlPollMs: 3_600_000,
    ...options,
  });
  return {
    runtime,
    clock,
    store,
    sql,
    logs,
    async [Symbol.asyncDispose]() {
      await runtime.shutdown(1_000);
      await sql.end({ timeout: 5 });
    },
  };
}

/** Posts a tick and resolves once the actor has dealt with it (ran it, lost its claim, or skipped it). */
export async function tickAndSettle(runtime: Runtime, name: string, slot: Date) {
  const settled = new Promise<RuntimeEvent>((resolve) => {
    const off = runtime.events.on((e) => {
      if (
        (e.type === "run-finished" && e.job === name && e.run.trigger !== "retry") ||
        (e.type === "tick-skipped" && e.job === name)
      ) {
        off();
        resolve(e);
      }
    });
  });
  const receipt = runtime.tick(name, slot);
  if (receipt !== "queued") throw new Error(`tick for ${slot.toISOString()} was ${receipt}`);
  return await withDeadline(settled, `the tick of ${name} for ${slot.toISOString()} to settle`);
}

/** Waits until a replica's first control pass registered `job` with the cluster (`known_since`). */
export async function untilRegistered(sql: Sql, job: string) {
  await until(
    `${job} registered by a replica's first control pass`,
    async () =>
      (await sql`SELECT 1 FROM job_state WHERE job = ${job} AND known_since IS NOT NULL`).length >
        0,
  );
}

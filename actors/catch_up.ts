import type { Clock } from "./clock.ts";
import type { CatchUpPolicy, JobSpec } from "./job.ts";
import type { Logger } from "./log.ts";
import type { RunStore } from "./run_store.ts";
import { slotsBetween } from "./schedule.ts";

/** What to do with the slots missed while nobody ran a job. */
export interface CatchUpPlan {
  /** Slots to run now, oldest first. */
  run: Date[];
  /** Slots recorded as `skipped`: by policy, or older than the grace. */
  skipped: Date[];
}

/**
 * The pure catch-up decision. `missed` are the slots after the job's last claimed slot, up
 * to now, oldest first. `skip` runs none; `once` the newest within the grace; `all` each
 * one within the grace, the newest `max`. Everything not run is skipped.
 *
 * @example
 * planCatchUp({ policy: "once", max: 10, graceMs: 3_600_000 }, [t1, t2], now); // { run: [t2], skipped: [t1] }
 */
export function planCatchUp(
  policy: { policy: CatchUpPolicy; max: number; graceMs: number },
  missed: readonly Date[],
  now: Date,
): CatchUpPlan {
  const inGrace = missed.filter((s) => now.getTime() - s.getTime() <= policy.graceMs);
  const run = policy.policy === "skip"
    ? []
    : policy.policy === "once"
    ? inGrace.slice(-1)
    : inGrace.slice(-policy.max);
  return { run, skipped: missed.filter((s) => !run.includes(s)) };
}

/**
 * How recent a slot may still be claimed by a live tick: a replica starting at 10:00:02 must not
 * record the 10:00 slot as skipped before the replica whose tick fired claims it (the tick
 * tolerance, 35 s, plus the time a tick takes to reach its claim).
 */
export const LIVE_SLOT_MS = 60_000;

/**
 * Looks for the slots missed since the job's last claimed slot (while nobody ran it, or while
 * it was paused), records the ones the plan skips, and runs the rest through `run`, oldest
 * first. A slot within `LIVE_SLOT_MS` of now is run if the plan runs it (its claim decides
 * between this run and a live tick's, so it runs once), but never recorded as skipped: a live
 * tick may still claim it. Leaving such slots out altogether lost them when no tick came: a
 * replica starting in a slot's first minute (its cron fired before it ran), a job resumed in
 * it (its tick was skipped as paused). A job that never ran has missed nothing. The store
 * being away skips the catch-up.
 */
export async function catchUpMissed(o: {
  spec: JobSpec;
  store: RunStore;
  clock: Clock;
  log: Logger;
  node: string;
  stop: AbortSignal;
  run(slot: Date): Promise<void>;
}): Promise<void> {
  const { spec, log } = o;
  let last: Date | null;
  try {
    last = await o.store.lastSlot(spec.name);
  } catch (error) {
    log.warn("cannot look for missed slots: the store is unavailable", { error });
    return;
  }
  if (!last) return;
  const now = o.clock.now();
  const missed = slotsBetween(spec.schedule, last, now, 1_000);
  if (missed.length === 0) return;
  const plan = planCatchUp(spec.catchUp, missed, now);
  const live = now.getTime() - LIVE_SLOT_MS;
  const skipped = plan.skipped.filter((s) => s.getTime() <= live);
  log.info("catch-up", {
    policy: spec.catchUp.policy,
    missed: missed.length,
    run: plan.run.length,
    skipped: skipped.length,
  });
  if (skipped.length > 0) {
    await o.store.recordSkipped(spec.name, o.node, skipped, `catch-up ${spec.catchUp.policy}`)
      .catch((error) =>
        log.warn("cannot record skipped slots: the store is unavailable", { error })
      );
  }
  for (const slot of plan.run) {
    if (o.stop.aborted) return;
    await o.run(slot);
  }
}

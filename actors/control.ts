import type { Clock } from "./clock.ts";
import type { JobSpec } from "./job.ts";
import type { Logger } from "./log.ts";
import type { AbandonedSlot, RunStore } from "./run_store.ts";

/**
 * The control plane's watcher on one replica: re-reads the cluster's job state when another
 * replica notifies a change (LISTEN/NOTIFY where the store can) and every `pollMs` anyway, so
 * a pause or resume from anywhere reaches this replica's actors within that time. The same
 * pass hands abandoned scheduled slots (within their job's grace) to the actors to run again;
 * their claim decides which replica does.
 */
export function startControl(o: {
  store: RunStore;
  clock: Clock;
  log: Logger;
  pollMs: number;
  jobs: JobSpec[];
  /** Reads the pause states and applies them to the actors. */
  read(names: string[]): Promise<void>;
  /** Hands an abandoned slot to its actor; false when it cannot take it now. */
  retry(slot: AbandonedSlot): boolean;
}) {
  const names = o.jobs.map((j) => j.name);
  const graceOf = new Map(o.jobs.map((j) => [j.name, j.catchUp.graceMs]));
  const maxGrace = Math.max(0, ...graceOf.values());
  const handed = new Set<string>();
  let wake: (() => void) | null = null;

  async function sync() {
    await o.read(names);
    const now = o.clock.now().getTime();
    const slots = await o.store.abandonedSlots(names, new Date(now - maxGrace));
    const seen = new Set<string>();
    for (const s of slots) {
      seen.add(s.runId);
      if (handed.has(s.runId) || now - s.scheduledFor.getTime() > graceOf.get(s.job)!) continue;
      try {
        if (o.retry(s)) handed.add(s.runId);
      } catch (error) {
        o.log.warn("cannot hand an abandoned slot to its actor yet", { job: s.job, error });
      }
    }
    for (const id of handed) if (!seen.has(id)) handed.delete(id);
  }

  return {
    sync,
    /** Runs until `signal` aborts. */
    async run(signal: AbortSignal) {
      let unwatch: (() => Promise<void>) | undefined;
      try {
        unwatch = await o.store.watch?.(() => wake?.());
      } catch (error) {
        o.log.warn("cannot listen for control changes; re-reading on a timer", { error });
      }
      try {
        while (!signal.aborted) {
          await sync().catch((error) => o.log.warn("cannot read the control state", { error }));
          if (signal.aborted) break; // aborted while it read: a listener added now would never fire
          const nap = new AbortController();
          const stop = () => nap.abort();
          signal.addEventListener("abort", stop, { once: true });
          wake = stop;
          await o.clock.sleep(o.pollMs, nap.signal).catch(() => {});
          signal.removeEventListener("abort", stop);
          wake = null;
        }
      } finally {
        await unwatch?.().catch(() => {});
      }
    },
  };
}

import type { JobSpec, Trigger } from "./job.ts";
import type { Logger } from "./log.ts";
import { type RunStore, SHUTDOWN_CUT } from "./run_store.ts";

/**
 * A slot's try failed with tries left, and this replica is stopping (a rolling deploy) before the
 * next one: that try is not this replica's to give up. It is written as a run the shutdown cut
 * before it started (abandoned, `SHUTDOWN_CUT`, `retryOf` the failed run), so another replica's
 * control pass, or this one's once restarted, takes it within the job's grace as the try it is,
 * as it takes any cut run (db/abandoned_slots.ts). It runs then, not after the rest of its
 * backoff. Only scheduled slots: nothing would ever hand a manual run's slot again, so a manual
 * run's tries end with its replica, as before. Store away: it is lost, and said so.
 */
export async function handOnTry(
  d: { store: RunStore; node: string; leaseMs: number; log: Logger; spec: JobSpec },
  t: { slot: Date; trigger: Trigger; attempt: number; after: string },
): Promise<void> {
  if (t.trigger === "manual") return;
  const id = crypto.randomUUID();
  try {
    const claim = await d.store.claim({
      id,
      job: d.spec.name,
      scheduledFor: t.slot,
      trigger: "retry",
      node: d.node,
      attempt: t.attempt,
      leaseMs: d.leaseMs,
      retryOf: t.after,
    });
    if (!claim) return;
    await d.store.finish(id, d.node, {
      outcome: "abandoned",
      error: `${SHUTDOWN_CUT} try ${t.attempt} of ${d.spec.retry.attempts} handed on ` +
        "before it started",
    });
    d.log.info("stopping: the next try is handed on", { slot: t.slot, attempt: t.attempt });
  } catch (error) {
    d.log.warn("stopping: cannot hand on the next try, the store is unavailable", { error });
  }
}

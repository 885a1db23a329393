import type { Clock } from "./clock.ts";
import type { JobActor } from "./job_actor.ts";
import type { Logger } from "./log.ts";
import type { AbandonedSlot, PauseState, RunStore } from "./run_store.ts";

/**
 * The control plane on one replica. Pause and resume are written to the store at once (never
 * queued behind a running job) and applied to this replica's actors. A watcher re-reads the
 * pause states when another replica notifies a change (LISTEN/NOTIFY where the store can) and
 * every `pollMs` anyway, so a pause or resume from anywhere reaches this replica's actors
 * within that time; a resume makes the actor look for missed slots. The same pass hands
 * abandoned scheduled slots (within their job's grace; a dead retry while its job's attempts
 * last) to the actors to run again; their claim decides which replica does. A paused job's slot waits for the resume (still within
 * its grace), as its missed slots do.
 */
export function startControl(o: {
  store: RunStore;
  clock: Clock;
  log: Logger;
  pollMs: number;
  actors: ReadonlyMap<string, JobActor>;
}) {
  const { actors, log } = o;
  const names = [...actors.keys()];
  /** Abandoned runs handed to their actor, by run id: their job. */
  const handed = new Map<string, string>();
  let wake: (() => void) | null = null;
  /** This replica's own writes, counted: a read that began before the last one is stale. */
  let writes = 0;
  /** This replica's start, when its jobs become known to the cluster (until `register` is done). */
  let unregistered: Date | null = o.clock.now();

  /** Applies pause states to this replica's actors; a resume looks for missed slots. */
  function follow(states: PauseState[]) {
    for (const s of states) {
      const a = actors.get(s.job);
      if (!a || a.health().paused === s.paused) continue;
      a.apply({ type: s.paused ? "paused" : "resumed" });
      log.info(s.paused ? "paused" : "resumed", { job: s.job });
      // A slot handed while paused was dropped by the actor: the next pass hands it again.
      if (!s.paused) { for (const [id, job] of handed) if (job === s.job) handed.delete(id); }
      if (!s.paused && !a.mailbox.closed) {
        try {
          a.mailbox.postCommand({ kind: "command", name: "catch-up" });
        } catch (error) {
          log.warn("cannot queue the catch-up after a resume", { job: s.job, error });
        }
      }
    }
  }

  /** Hands an abandoned slot to its actor; false when it cannot take it now (paused, stopped). */
  function retry(slot: AbandonedSlot): boolean {
    const a = actors.get(slot.job);
    if (!a || a.mailbox.closed || a.health().paused) return false;
    a.mailbox.postCommand({
      kind: "command",
      name: "retry-abandoned",
      slot: slot.scheduledFor,
      retryOf: slot.runId,
      // A dead run (a cron or catch-up run, or a retry) spent its try: the slot is run again as
      // the next attempt. One cut by a shutdown spent none and is tried again as itself.
      attempt: slot.cut ? slot.attempt : slot.attempt + 1,
      // Not taken here (paused meanwhile, the store away): the next pass hands it again.
      unclaimed: () => void handed.delete(slot.runId),
    });
    return true;
  }

  async function sync() {
    if (unregistered && o.store.register) {
      await o.store.register(names, unregistered);
      unregistered = null;
    }
    const since = writes;
    const states = await o.store.pauseStates(names);
    // A read that began before this replica's own pause or resume may predate it: not followed.
    if (since === writes) follow(states);
    const now = o.clock.now().getTime();
    // Only jobs this replica can run now, each within its own grace and attempts.
    const windows = [...actors.values()].filter((a) => !a.mailbox.closed && !a.health().paused)
      .map((a) => ({
        job: a.spec.name,
        since: new Date(now - a.spec.catchUp.graceMs),
        attempts: a.spec.retry.attempts,
      }));
    const slots = windows.length ? await o.store.abandonedSlots(windows) : [];
    const seen = new Set<string>();
    for (const s of slots) {
      seen.add(s.runId);
      if (handed.has(s.runId)) continue;
      try {
        if (retry(s)) handed.set(s.runId, s.job);
      } catch (error) {
        log.warn("cannot hand an abandoned slot to its actor yet", { job: s.job, error });
      }
    }
    for (const id of handed.keys()) if (!seen.has(id)) handed.delete(id);
    // The store answers again: what it could not take during the outage is written now.
    for (const a of actors.values()) {
      await a.settleBacklog().catch((error) =>
        log.warn("cannot write the outage's runs yet", { job: a.spec.name, error })
      );
    }
  }

  return {
    sync,
    /** Writes the pause state of `jobs` (known names) and applies it here at once. */
    async setPaused(jobs: string[], paused: boolean) {
      await o.store.setPaused(jobs, paused);
      writes++;
      follow(jobs.map((job) => ({ job, paused })));
    },
    /** Runs until `signal` aborts. */
    async run(signal: AbortSignal) {
      let unwatch: (() => Promise<void>) | undefined;
      try {
        unwatch = await o.store.watch?.(() => wake?.());
      } catch (error) {
        log.warn("cannot listen for control changes; re-reading on a timer", { error });
      }
      try {
        while (!signal.aborted) {
          await sync().catch((error) => log.warn("cannot read the control state", { error }));
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

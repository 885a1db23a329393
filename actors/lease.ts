import type { Clock } from "./clock.ts";
import { LeaseLostError } from "./errors.ts";
import type { Logger } from "./log.ts";

/**
 * Where a lease lives (a row in Postgres, usually). `renew` extends it by `ms` from the
 * database's now and says whether it is still ours; it throws when it cannot tell (the
 * database is away).
 */
export interface LeaseBackend {
  renew(ms: number): Promise<boolean>;
  /** Lets go at once, so another holder need not wait for the lease to run out. */
  release?(): Promise<void>;
}

/** A lease being held: renewed every third of it until `end`, or until it is lost. */
export interface HeldLease {
  /** Aborts with a `LeaseLostError` once the lease is lost: the work under it must stop. */
  readonly signal: AbortSignal;
  readonly lost: boolean;
  /** Stops renewing (and releases when asked); resolves once the renewer has ended. */
  end(options?: { release?: boolean }): Promise<void>;
}

export interface HoldLeaseOptions {
  backend: LeaseBackend;
  clock: Clock;
  /** Length of the lease; it is renewed every third of it. */
  leaseMs: number;
  /** What is held, for the log and the error ("run 3f…", "outbox batch", "telegram poller"). */
  what: string;
  log?: Logger;
}

/**
 * Holds a lease that the caller has just taken (claimed): renews it every `leaseMs / 3`.
 * It is lost when a renewal answers "not yours", or when renewals keep failing until the
 * last successful one has run out, since someone else may then hold it. Either way `signal`
 * aborts, and the work under the lease stops and fails to its supervisor.
 *
 * @example
 * const lease = holdLease({ backend, clock, leaseMs: 30_000, what: "outbox batch" });
 * try { await work(lease.signal); } finally { await lease.end({ release: true }); }
 */
export function holdLease(o: HoldLeaseOptions): HeldLease {
  const lost = new AbortController();
  const ended = new AbortController();
  const every = Math.max(10, Math.floor(o.leaseMs / 3));
  let validUntil = o.clock.now().getTime() + o.leaseMs;

  function lose(why: string) {
    if (lost.signal.aborted) return;
    o.log?.warn("lease lost", { lease: o.what, why });
    lost.abort(new LeaseLostError(`lease lost: ${o.what}: ${why}`));
  }

  async function renewer() {
    while (!ended.signal.aborted && !lost.signal.aborted) {
      try {
        await o.clock.sleep(every, ended.signal);
      } catch {
        return; // ended
      }
      const asked = o.clock.now().getTime();
      try {
        if (await o.backend.renew(o.leaseMs)) {
          validUntil = asked + o.leaseMs;
        } else {
          lose("another holder took it");
        }
      } catch (error) {
        if (o.clock.now().getTime() >= validUntil) {
          lose("renewals failed until it ran out");
        } else {
          o.log?.warn("lease renewal failed; trying again", { lease: o.what, error });
        }
      }
    }
  }

  const running = renewer();
  return {
    signal: lost.signal,
    get lost() {
      return lost.signal.aborted;
    },
    async end(options) {
      ended.abort();
      await running;
      if (options?.release && !lost.signal.aborted && o.backend.release) {
        await o.backend.release().catch((error) =>
          o.log?.warn("cannot release the lease; it runs out by itself", { lease: o.what, error })
        );
      }
    },
  };
}

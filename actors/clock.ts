/**
 * Time as an input. Everything in the runtime that waits or asks the time goes
 * through a `Clock`, so tests move time instead of sleeping.
 *
 * ```ts
 * const clock = systemClock();
 * await clock.sleep(1_000, signal);
 * ```
 */
export interface Clock {
  /** The current instant. */
  now(): Date;
  /** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The wall clock, optionally shifted by a measured offset (e.g. towards the database's clock). */
export function systemClock(offsetMs: () => number = () => 0): Clock {
  return {
    now: () => new Date(Date.now() + offsetMs()),
    sleep: (ms, signal) => sleepOn(setTimeout, clearTimeout, ms, signal),
  };
}

/** A sleep built on any timer pair; resolves after `ms` or rejects on abort, leaving no timer behind. */
export function sleepOn<H>(
  set: (fn: () => void, ms: number) => H,
  clear: (handle: H) => void,
  ms: number,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clear(handle);
      reject(signal!.reason);
    };
    const handle = set(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

import type { Clock } from "../../actors/clock.ts";
import { type DeadlineOptions, withDeadline } from "./deadline.ts";

interface Sleeper {
  at: number;
  seq: number;
  resolve(): void;
}

/** A hand-driven clock: time stands still until the test calls `advance`. */
export interface FakeClock extends Clock {
  /** Moves time forward by `ms`, waking every sleeper that falls due, in order. */
  advance(ms: number): Promise<void>;
  /** Moves time to `at` (never backwards). */
  advanceTo(at: Date | string): Promise<void>;
  /** Sets the time without waking anyone (e.g. a jump the runtime should notice on its own). */
  set(at: Date | string): void;
  /**
   * Resolves once someone sleeps with a wake time within `withinMs` of now; returns that wake
   * time. Fails once the (real-time) deadline passes, 60 s by default.
   */
  sleeping(withinMs?: number, options?: DeadlineOptions): Promise<Date>;
  /** How many sleepers wait. */
  readonly pending: number;
}

/** A fake clock starting at `start`. */
export function fakeClock(start: Date | string = "2026-01-01T00:00:00Z"): FakeClock {
  let now = new Date(start).getTime();
  let seq = 0;
  const sleepers: Sleeper[] = [];
  let watchers: Array<(at: Date) => boolean> = [];

  async function flush() {
    // Let the woken code run up to its next await on I/O or on this clock.
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
  }

  const clock: FakeClock = {
    now: () => new Date(now),
    sleep(ms, signal) {
      return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const sleeper: Sleeper = {
          at: now + Math.max(0, ms),
          seq: seq++,
          resolve: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          const i = sleepers.indexOf(sleeper);
          if (i >= 0) sleepers.splice(i, 1);
          reject(signal!.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        sleepers.push(sleeper);
        watchers = watchers.filter((notify) => !notify(new Date(sleeper.at)));
      });
    },
    async advance(ms) {
      await clock.advanceTo(new Date(now + ms));
    },
    async advanceTo(at) {
      const target = new Date(at).getTime();
      for (;;) {
        sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const next = sleepers[0];
        if (!next || next.at > target) break;
        sleepers.shift();
        now = Math.max(now, next.at);
        next.resolve();
        await flush();
      }
      now = Math.max(now, target);
      await flush();
    },
    set(at) {
      now = new Date(at).getTime();
    },
    sleeping(withinMs = Infinity, options) {
      const due = sleepers.filter((s) => s.at - now <= withinMs).map((s) => s.at);
      if (due.length > 0) return Promise.resolve(new Date(Math.min(...due)));
      const woken = new Promise<Date>((resolve) =>
        watchers.push((at) => {
          if (at.getTime() - now > withinMs) return false;
          resolve(at);
          return true;
        })
      );
      return withDeadline(woken, `a sleeper on the fake clock due within ${withinMs} ms`, {
        ...options,
        lastSeen: () =>
          `now ${new Date(now).toISOString()}; sleepers due at ${
            sleepers.map((s) => new Date(s.at).toISOString()).join(", ") || "(none)"
          }`,
      });
    },
    get pending() {
      return sleepers.length;
    },
  };
  return clock;
}

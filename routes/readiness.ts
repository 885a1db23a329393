import type { Clock } from "../actors/clock.ts";
import { describeError } from "../actors/log.ts";

/** The database check, as health and readiness show it. */
export interface DatabaseCheck {
  ok: boolean;
  checkedAt: string;
  latencyMs?: number;
  error?: string;
}

/** Whether this process should get traffic: started, migrated, database reachable, not stopping. */
export interface Readiness {
  markMigrated(): void;
  markStarted(): void;
  markShuttingDown(): void;
  readonly shuttingDown: boolean;
  database(): Promise<DatabaseCheck>;
  /** Empty when ready; otherwise one reason per unmet condition. */
  reasons(): Promise<string[]>;
}

/**
 * Readiness over a database `ping`, cached for `cacheMs` and given `timeoutMs` to answer
 * (a hung database makes readiness fail fast, never hang the probe).
 */
export function createReadiness(options: {
  ping: () => Promise<unknown>;
  clock: Clock;
  cacheMs?: number;
  timeoutMs?: number;
}): Readiness {
  const cacheMs = options.cacheMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? 1_000;
  const { clock } = options;
  let migrated = false;
  let started = false;
  let shuttingDown = false;
  let last: { at: number; check: DatabaseCheck } | undefined;
  let inFlight: Promise<DatabaseCheck> | undefined;

  async function probe(): Promise<DatabaseCheck> {
    const t0 = performance.now();
    const timer = new AbortController();
    try {
      const answer = await Promise.race([
        options.ping().then(() => "ok" as const),
        clock.sleep(timeoutMs, timer.signal).then(() => "timeout" as const),
      ]);
      if (answer === "timeout") {
        return {
          ok: false,
          checkedAt: clock.now().toISOString(),
          error: `no answer within ${timeoutMs} ms`,
        };
      }
      return {
        ok: true,
        checkedAt: clock.now().toISOString(),
        latencyMs: Math.round(performance.now() - t0),
      };
    } catch (error) {
      return { ok: false, checkedAt: clock.now().toISOString(), error: describeError(error) };
    } finally {
      timer.abort();
    }
  }

  const readiness: Readiness = {
    markMigrated: () => void (migrated = true),
    markStarted: () => void (started = true),
    markShuttingDown: () => void (shuttingDown = true),
    get shuttingDown() {
      return shuttingDown;
    },
    database() {
      const now = clock.now().getTime();
      if (last && now - last.at < cacheMs) return Promise.resolve(last.check);
      inFlight ??= probe().then((check) => {
        last = { at: clock.now().getTime(), check };
        inFlight = undefined;
        return check;
      });
      return inFlight;
    },
    async reasons() {
      const out: string[] = [];
      if (shuttingDown) out.push("shutting down");
      if (!started) out.push("not started");
      if (!migrated) out.push("migrations not applied");
      const db = await readiness.database();
      if (!db.ok) out.push(`database unreachable: ${db.error}`);
      return out;
    },
  };
  return readiness;
}

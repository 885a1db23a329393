import type postgres from "postgres";
import { type Clock, systemClock } from "../actors/clock.ts";
import type { Logger } from "../actors/log.ts";

/**
 * A clock that follows the database's: slots are named by one clock across replicas.
 * The offset is measured (half the round trip counted) now and every `everyMs`.
 */
export async function databaseClock(
  sql: postgres.Sql,
  options: { log: Logger; signal: AbortSignal; everyMs?: number },
): Promise<Clock> {
  let offset = 0;
  async function measure() {
    const t0 = Date.now();
    const [row] = await sql<{ now: Date }[]>`SELECT clock_timestamp() AS now`;
    const t1 = Date.now();
    offset = row.now.getTime() - (t0 + t1) / 2;
  }
  await measure();
  const clock = systemClock(() => offset);
  const everyMs = options.everyMs ?? 60_000;
  (async function keepMeasuring() {
    while (!options.signal.aborted) {
      try {
        await clock.sleep(everyMs, options.signal);
        await measure();
      } catch (error) {
        if (!options.signal.aborted) {
          options.log.debug("cannot measure the database clock", { error });
        }
      }
    }
  })();
  return clock;
}

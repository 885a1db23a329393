import type { Clock } from "./clock.ts";
import type { JobSpec } from "./job.ts";
import type { Logger } from "./log.ts";
import { nextSlot, slotAt } from "./schedule.ts";

/** A tick source posts the slot each tick belongs to. */
export type PostTick = (slot: Date) => void;

/** Ticks a little early (clock skew between this node and the database) still name the coming slot. */
const EARLY_TOLERANCE_MS = 5_000;

/**
 * Starts the ticks of one job until `signal` aborts: `Deno.cron` for cron schedules
 * (a per-minute cron filtered by the job's own slots where Deno cannot express it, as
 * with time zones), a timer on the clock for sub-minute intervals. The handler only
 * posts a tick.
 */
export function startTicks(
  spec: JobSpec,
  post: PostTick,
  options: { clock: Clock; signal: AbortSignal; log: Logger },
): Promise<void> {
  const { clock, signal, log } = options;
  const schedule = spec.schedule;
  if (schedule.kind === "every") {
    return (async function intervalTicks() {
      while (!signal.aborted) {
        const next = nextSlot(schedule, clock.now());
        try {
          await clock.sleep(next.getTime() - clock.now().getTime(), signal);
        } catch {
          return;
        }
        post(next);
      }
    })();
  }
  let lastPosted = 0;
  const handler = function cronTick() {
    const slot = slotAt(schedule, new Date(clock.now().getTime() + EARLY_TOLERANCE_MS));
    if (!slot || slot.getTime() <= lastPosted) return;
    lastPosted = slot.getTime();
    post(slot);
  };
  const cronOptions = { backoffSchedule: [], signal };
  const name = `warden-${spec.name}`;
  if (schedule.timezone === undefined) {
    try {
      return Deno.cron(name, schedule.expression, cronOptions, handler);
    } catch (error) {
      log.debug("Deno.cron cannot take this expression; using a filtered per-minute cron", {
        job: spec.name,
        error,
      });
    }
  }
  return Deno.cron(name, "* * * * *", cronOptions, handler);
}

import type { Clock } from "./clock.ts";
import type { JobSpec } from "./job.ts";
import type { Logger } from "./log.ts";
import { nextSlot, type Schedule, slotAt } from "./schedule.ts";

/** A tick source posts the slot each tick belongs to. */
export type PostTick = (slot: Date) => void;

/** `Deno.cron`'s shape, so tests can hand in a fake registration. */
export type RegisterCron = (
  name: string,
  expression: string,
  options: { backoffSchedule: number[]; signal: AbortSignal },
  handler: () => void,
) => Promise<void>;

/**
 * How far, by the database clock, a tick may be from the slot it names: 30 s of skew between
 * this host (whose clock fires `Deno.cron`) and the database, plus 5 s for a late timer.
 */
export const TICK_TOLERANCE_MS = 35_000;

const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/**
 * The expression to hand `Deno.cron` so it fires exactly at a UTC schedule's slots, or null
 * when only a per-minute heartbeat filtered by the slots can: a zoned schedule, or both day
 * fields restricted in effect. Deno 2.9 reads numeric weekdays as 1 = Sunday … 7 = Saturday
 * (denoland/deno#21555) but names right, so weekdays are always written as names, and every
 * other restricted field as the plain list of its values.
 *
 * ```ts
 * denoCronExpression(parseSchedule("0 9 * * 1-5")); // "0 9 * * MON,TUE,WED,THU,FRI"
 * ```
 */
export function denoCronExpression(schedule: Schedule): string | null {
  if (schedule.kind !== "cron") return null;
  if (schedule.timezone !== undefined && schedule.timezone !== "UTC") return null;
  const c = schedule.fields;
  const list = (flags: boolean[], from: number) => {
    const on = flags.slice(from).flatMap((f, i) => f ? [i + from] : []);
    return on.length === flags.length - from ? "*" : on.join(",");
  };
  const domAll = c.days.slice(1).every(Boolean);
  const dowAll = c.weekdays.every(Boolean);
  let dom: string, dow: string;
  if (!domAll && !dowAll) return null; // both restricted in effect: Deno's reading is not trusted
  if (c.dayOr) [dom, dow] = ["*", "*"]; // ORed with a field that covers every day: every day
  else {
    dom = domAll ? "*" : list(c.days, 1);
    dow = dowAll ? "*" : DAY_NAMES.filter((_, i) => c.weekdays[i]).join(",");
  }
  const minute = c.minutes.length === 60 ? "*" : c.minutes.join(",");
  const hour = c.hours.length === 24 ? "*" : c.hours.join(",");
  return [minute, hour, dom, list(c.months, 1), dow].join(" ");
}

/**
 * The slot a tick at `now` (database clock) belongs to: the slot nearest `now`, if within
 * `TICK_TOLERANCE_MS` and not before the ticks started (less the same tolerance). So a clock
 * behind or ahead of the host still names the slot that fired, and a first tick never names
 * a stale slot from before the job was running.
 */
export function nameSlot(schedule: Schedule, now: Date, startedAt: Date): Date | null {
  const before = slotAt(schedule, now);
  const after = nextSlot(schedule, now);
  const slot = before && now.getTime() - before.getTime() <= after.getTime() - now.getTime()
    ? before
    : after;
  if (Math.abs(slot.getTime() - now.getTime()) > TICK_TOLERANCE_MS) return null;
  if (slot.getTime() < startedAt.getTime() - TICK_TOLERANCE_MS) return null;
  return slot;
}

/**
 * Starts the ticks of one job until `signal` aborts. A cron schedule keeps its own `Deno.cron`
 * registration: the translated expression (`denoCronExpression`) for UTC schedules, else a
 * per-minute heartbeat whose ticks post only at the job's slots. Registered with
 * `backoffSchedule: []` and the signal; the handler only posts a tick. Sub-minute intervals
 * tick from a timer on the clock.
 */
export function startTicks(
  spec: JobSpec,
  post: PostTick,
  options: { clock: Clock; signal: AbortSignal; log: Logger; cron?: RegisterCron },
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
  const register: RegisterCron = options.cron ?? Deno.cron;
  const startedAt = clock.now();
  let lastPosted = 0;
  const handler = function cronTick() {
    const slot = nameSlot(schedule, clock.now(), startedAt);
    if (!slot || slot.getTime() <= lastPosted) return;
    lastPosted = slot.getTime();
    post(slot);
  };
  const cronOptions = { backoffSchedule: [], signal };
  const name = `warden-${spec.name}`;
  const translated = denoCronExpression(schedule);
  if (translated !== null) {
    try {
      return register(name, translated, cronOptions, handler);
    } catch (error) {
      log.debug("Deno.cron refused the expression; ticking every minute instead", {
        job: spec.name,
        expression: translated,
        error,
      });
    }
  }
  return register(name, "* * * * *", cronOptions, handler);
}

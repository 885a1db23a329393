import { CronFieldError, type CronFields, matchesDay, parseCron } from "./cron.ts";
import { parseDuration } from "./duration.ts";
import { dayShape, instantsOf, isZone } from "./zone.ts";

/** What a job spec may say for its schedule: a 5-field cron expression or a sub-minute interval. */
export type ScheduleInput = string | { every: string };

/** A validated schedule: a value that knows its slots. `timezone` unset means UTC. */
export type Schedule =
  | { kind: "cron"; expression: string; timezone?: string; fields: CronFields }
  | { kind: "every"; text: string; everyMs: number };

/** A schedule that could not be made; `field` names the part at fault. */
export class ScheduleError extends Error {
  override name = "ScheduleError";
  constructor(readonly field: string, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

const MINUTE = 60_000;
const DAY = 86_400_000;
/** How far slots are looked for: any date and weekday combination comes back within 28 years. */
const HORIZON_DAYS = 29 * 366;

/**
 * Validates a schedule. Cron expressions have exactly five fields, read by POSIX/Vixie rules
 * (see `cron.ts`), in `timezone` (an IANA zone, UTC by default); intervals read like `"30s"`,
 * `"500ms"`, `"5m"`.
 *
 * Across DST, in the zone: a local time that does not exist (spring forward) runs once at the
 * change itself, the first real instant after the gap (`30 2 * * *` in Europe/Madrid on
 * 2026-03-29 runs at 03:00 CEST, 01:00Z); several such times (`0,30 2 * * *`) run that once
 * together. A local time that happens twice (fall back) runs at its first occurrence only.
 * An expression matching every hour of the day (`30 * * * *`) runs every real hour instead: both
 * 02:30 on a fall-back day, and none for the hour a spring-forward day does not have.
 *
 * ```ts
 * parseSchedule("0 8 * * *", "Europe/Madrid");
 * parseSchedule({ every: "30s" });
 * ```
 */
export function parseSchedule(input: ScheduleInput, timezone?: string): Schedule {
  if (typeof input === "object" && input !== null && "every" in input) {
    return parseEvery(String(input.every));
  }
  if (typeof input !== "string") {
    throw new ScheduleError(
      "schedule",
      `Cannot read schedule: expected a cron string or { every: "30s" }, got ${
        JSON.stringify(input)
      }`,
    );
  }
  if (timezone !== undefined && !isZone(timezone)) {
    throw new ScheduleError(
      "timezone",
      `Cannot use timezone "${timezone}": not an IANA zone name like "Europe/Madrid"`,
    );
  }
  const expression = input.trim().replace(/\s+/g, " ");
  let fields: CronFields;
  try {
    fields = parseCron(expression);
  } catch (cause) {
    const field = cause instanceof CronFieldError ? cause.field : "schedule";
    throw new ScheduleError(field, `Cannot read cron "${input}": ${(cause as Error).message}`, {
      cause,
    });
  }
  const schedule: Schedule = { kind: "cron", expression, timezone, fields };
  if (firstAfter(schedule, Date.UTC(2000, 0, 1)) === null) {
    throw new ScheduleError("schedule", `Cannot use cron "${input}": it never fires`);
  }
  return schedule;
}

function parseEvery(text: string): Schedule {
  let everyMs: number;
  try {
    everyMs = parseDuration(text);
  } catch (cause) {
    throw new ScheduleError("every", (cause as Error).message.replace("duration", "interval"), {
      cause,
    });
  }
  if (everyMs < 100 || everyMs > 24 * 3_600_000) {
    throw new ScheduleError(
      "every",
      `Cannot use interval "${text}": it must be between 100ms and 24h`,
    );
  }
  return { kind: "every", text: text.trim(), everyMs };
}

type CronSchedule = Extract<Schedule, { kind: "cron" }>;

const changeDays = new WeakMap<CronFields, Map<string, number[]>>();

/** The slots of one local day with an offset change (`naive`: its midnight read as UTC), sorted. */
function daySlots(s: CronSchedule, naive: number): number[] {
  const key = `${s.timezone} ${naive}`;
  const cache = changeDays.get(s.fields) ?? new Map<string, number[]>();
  changeDays.set(s.fields, cache);
  const known = cache.get(key);
  if (known) return known;
  const shape = dayShape(s.timezone ?? "UTC", naive);
  const { times, everyHour } = s.fields;
  if (shape.kind === "fixed") return times.map((t) => naive + t * MINUTE - shape.offset);
  const out: number[] = [];
  for (const t of times) {
    const at = instantsOf(shape, t);
    if (at.length === 0 && !everyHour) out.push(shape.change);
    else if (at.length === 2 && !everyHour) out.push(at[0]);
    else out.push(...at);
  }
  const slots = [...new Set(out)].sort((a, b) => a - b);
  if (cache.size > 100) cache.clear();
  cache.set(key, slots);
  return slots;
}

/** Visits the matching local days from `start`, one way, while `visit` returns true. */
function walkDays(
  s: CronSchedule,
  start: number,
  direction: 1 | -1,
  visit: (naive: number) => boolean,
) {
  const c = s.fields;
  for (let day = start, n = 0; n < HORIZON_DAYS; n++) {
    const d = new Date(day);
    const [y, m] = [d.getUTCFullYear(), d.getUTCMonth() + 1];
    if (!c.months[m]) {
      // Jump to the first (or last) day of the next (or previous) month.
      day = direction === 1 ? Date.UTC(y, m, 1) : Date.UTC(y, m - 1, 0);
      continue;
    }
    if (matchesDay(c, y, m, d.getUTCDate()) && !visit(day)) return;
    day += direction * DAY;
  }
}

/** The first slot of local day `naive` after `after`, if any. */
function firstInDay(s: CronSchedule, naive: number, after: number): number | undefined {
  const shape = dayShape(s.timezone ?? "UTC", naive);
  if (shape.kind !== "fixed") return daySlots(s, naive).find((t) => t > after);
  const { times } = s.fields;
  // Binary search: the first time of day whose instant is after `after`.
  let [lo, hi] = [0, times.length];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (naive + times[mid] * MINUTE - shape.offset > after) hi = mid;
    else lo = mid + 1;
  }
  return lo < times.length ? naive + times[lo] * MINUTE - shape.offset : undefined;
}

/** The last slot of local day `naive` at or before `at`, if any. */
function lastInDay(s: CronSchedule, naive: number, at: number): number | undefined {
  const shape = dayShape(s.timezone ?? "UTC", naive);
  if (shape.kind !== "fixed") return daySlots(s, naive).findLast((t) => t <= at);
  const { times } = s.fields;
  let [lo, hi] = [0, times.length];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (naive + times[mid] * MINUTE - shape.offset <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? naive + times[lo - 1] * MINUTE - shape.offset : undefined;
}

// The local date of an instant is its UTC date or a neighbour (offsets lie within ±14 h), and a
// day's slots can spill past its neighbours' at a DST change: the walks start two days out and
// look one day past the first day that has a slot.
function firstAfter(s: CronSchedule, after: number): number | null {
  let best: number | null = null;
  let until = Infinity;
  walkDays(s, Math.floor(after / DAY) * DAY - 2 * DAY, 1, (day) => {
    if (day > until) return false;
    const found = firstInDay(s, day, after);
    if (found !== undefined) {
      best = best === null ? found : Math.min(best, found);
      until = Math.min(until, day + DAY);
    }
    return true;
  });
  return best;
}

function lastAtOrBefore(s: CronSchedule, at: number): number | null {
  let best: number | null = null;
  let until = -Infinity;
  walkDays(s, Math.floor(at / DAY) * DAY + 2 * DAY, -1, (day) => {
    if (day < until) return false;
    const found = lastInDay(s, day, at);
    if (found !== undefined) {
      best = best === null ? found : Math.max(best, found);
      until = Math.max(until, day - DAY);
    }
    return true;
  });
  return best;
}

/** The first slot strictly after `after`. */
export function nextSlot(schedule: Schedule, after: Date): Date {
  if (schedule.kind === "every") {
    const n = Math.floor(after.getTime() / schedule.everyMs) + 1;
    return new Date(n * schedule.everyMs);
  }
  const next = firstAfter(schedule, after.getTime());
  if (next === null) {
    throw new ScheduleError("schedule", `Cron "${schedule.expression}" has no next run`);
  }
  return new Date(next);
}

/** The latest slot at or before `at`, or null if there is none. */
export function slotAt(schedule: Schedule, at: Date): Date | null {
  if (schedule.kind === "every") {
    return new Date(Math.floor(at.getTime() / schedule.everyMs) * schedule.everyMs);
  }
  const prev = lastAtOrBefore(schedule, at.getTime());
  return prev === null ? null : new Date(prev);
}

/** The slots in `(from, to]`, oldest first, at most `limit` of the newest ones. */
export function slotsBetween(schedule: Schedule, from: Date, to: Date, limit: number): Date[] {
  const out: Date[] = [];
  let at = slotAt(schedule, to);
  while (at && at > from && out.length < limit) {
    out.push(at);
    at = slotAt(schedule, new Date(at.getTime() - 1));
  }
  return out.reverse();
}

/** The typical gap between two slots, measured after `from` (used for staleness). */
export function typicalIntervalMs(schedule: Schedule, from: Date): number {
  if (schedule.kind === "every") return schedule.everyMs;
  const a = nextSlot(schedule, from);
  const b = nextSlot(schedule, a);
  return b.getTime() - a.getTime();
}

/**
 * The largest gap between two consecutive slots over the coming year (at most 2,000 slots
 * looked at), and the wait for the first slot: what staleness waits for, so a Monday-only job is
 * not stale on a Sunday. The first two slots always count, however far: a job on February 29
 * waits four years (eight over 2100), not none.
 */
export function largestGapMs(schedule: Schedule, from: Date): number {
  if (schedule.kind === "every") return schedule.everyMs;
  const horizon = from.getTime() + 400 * DAY;
  let at = firstAfter(schedule, from.getTime());
  let gap = at === null ? 0 : at - from.getTime();
  for (let i = 0; i < 2_000 && at !== null && (i === 0 || at < horizon); i++) {
    const next = firstAfter(schedule, at);
    if (next === null) break;
    gap = Math.max(gap, next - at);
    at = next;
  }
  return gap;
}

/** A short human/JSON description: the expression or `every 30s`. */
export function describeSchedule(schedule: Schedule): string {
  return schedule.kind === "every" ? `every ${schedule.text}` : schedule.expression;
}

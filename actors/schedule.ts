import { Cron } from "croner";
import { parseDuration } from "./duration.ts";

/** What a job spec may say for its schedule: a 5-field cron expression or a sub-minute interval. */
export type ScheduleInput = string | { every: string };

/** A validated schedule: a value that knows its slots. */
export type Schedule =
  | { kind: "cron"; expression: string; timezone?: string; cron: Cron }
  | { kind: "every"; text: string; everyMs: number };

/** A schedule that could not be made; `field` names the part at fault. */
export class ScheduleError extends Error {
  override name = "ScheduleError";
  constructor(readonly field: string, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

const FIELDS = ["minute", "hour", "day-of-month", "month", "day-of-week"] as const;

/**
 * Validates a schedule. Cron expressions have exactly five fields (UTC unless
 * `timezone` names an IANA zone); intervals read like `"30s"`, `"500ms"`, `"5m"`.
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
  if (timezone !== undefined) checkTimezone(timezone);
  const expression = input.trim().replace(/\s+/g, " ");
  const parts = expression.split(" ");
  if (parts.length !== 5) {
    throw new ScheduleError(
      "schedule",
      `Cannot read cron "${input}": expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`,
    );
  }
  parts.forEach((part, i) => {
    const probe = FIELDS.map((_, j) => (j === i ? part : "*")).join(" ");
    try {
      new Cron(probe, { mode: "5-part", paused: true });
    } catch (cause) {
      throw new ScheduleError(
        FIELDS[i],
        `Cannot read cron "${input}": field ${FIELDS[i]} "${part}" is invalid (${
          (cause as Error).message.replace(/^CronPattern: /, "")
        })`,
        { cause },
      );
    }
  });
  const cron = new Cron(expression, { mode: "5-part", paused: true, timezone: timezone ?? "UTC" });
  if (cron.nextRun(new Date()) === null) {
    throw new ScheduleError("schedule", `Cannot use cron "${input}": it never fires`);
  }
  return { kind: "cron", expression, timezone, cron };
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

function checkTimezone(timezone: string) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
  } catch (cause) {
    throw new ScheduleError(
      "timezone",
      `Cannot use timezone "${timezone}": not an IANA zone name like "Europe/Madrid"`,
      { cause },
    );
  }
}

/** The first slot strictly after `after`. */
export function nextSlot(schedule: Schedule, after: Date): Date {
  if (schedule.kind === "every") {
    const n = Math.floor(after.getTime() / schedule.everyMs) + 1;
    return new Date(n * schedule.everyMs);
  }
  const next = schedule.cron.nextRun(after);
  if (!next) throw new ScheduleError("schedule", `Cron "${schedule.expression}" has no next run`);
  return next;
}

/** The latest slot at or before `at`, or null if there is none. */
export function slotAt(schedule: Schedule, at: Date): Date | null {
  if (schedule.kind === "every") {
    return new Date(Math.floor(at.getTime() / schedule.everyMs) * schedule.everyMs);
  }
  // previousRuns counts a run earlier in the same second as the reference; +1 ms makes `at` itself count.
  const [prev] = schedule.cron.previousRuns(1, new Date(at.getTime() + 1));
  return prev ?? null;
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
 * looked at): what staleness waits for, so a Monday-only job is not stale on a Sunday.
 */
export function largestGapMs(schedule: Schedule, from: Date): number {
  if (schedule.kind === "every") return schedule.everyMs;
  const horizon = from.getTime() + 400 * 86_400_000;
  let at = nextSlot(schedule, from);
  let gap = 0;
  for (let i = 0; i < 2_000 && at.getTime() < horizon; i++) {
    const next = schedule.cron.nextRun(at);
    if (!next) break;
    gap = Math.max(gap, next.getTime() - at.getTime());
    at = next;
  }
  return gap;
}

/** A short human/JSON description: the expression or `every 30s`. */
export function describeSchedule(schedule: Schedule): string {
  return schedule.kind === "every" ? `every ${schedule.text}` : schedule.expression;
}

/**
 * A 5-field cron reader by POSIX/Vixie rules, calendar only (no clock, no zone):
 *
 * - fields: minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or JAN-DEC, day-of-week
 *   0-7 or SUN-SAT, where 0 and 7 are both Sunday;
 * - each field is a list of `*`, `a`, `a-b`, `*\/n`, `a-b/n`, `a/n` (a to the end, every n);
 *   names and numbers mean the same everywhere, and `SUN` (7) may end a range (`FRI-SUN`);
 * - day-of-month and day-of-week are ORed only when both are restricted; a field starting with
 *   `*` (steps included, like `*\/2`) counts as unrestricted, and then both must match.
 *
 * ```ts
 * const c = parseCron("0 9 * * MON-FRI");
 * matchesDay(c, 2026, 5, 4); // true: a Monday
 * ```
 */
export interface CronFields {
  /** Minutes of the hour, sorted. */
  minutes: number[];
  /** Hours of the day, sorted. */
  hours: number[];
  /** `days[d]` for d in 1..31. */
  days: boolean[];
  /** `months[m]` for m in 1..12. */
  months: boolean[];
  /** `weekdays[w]` for w in 0..6, 0 = Sunday. */
  weekdays: boolean[];
  /** Day-of-month and day-of-week are ORed (both restricted), else ANDed. */
  dayOr: boolean;
  /** Every hour of the day matches: DST overlaps then run in both real hours. */
  everyHour: boolean;
  /** Minutes of the day (hour·60 + minute) that match, sorted. */
  times: number[];
}

/** A field that cannot be read; `field` is its name (`minute`, `day-of-week`, …). */
export class CronFieldError extends Error {
  override name = "CronFieldError";
  constructor(readonly field: CronFieldName, readonly part: string, reason: string) {
    super(`field ${field} "${part}" is invalid (${reason})`);
  }
}

export type CronFieldName = "minute" | "hour" | "day-of-month" | "month" | "day-of-week";

interface FieldRule {
  name: CronFieldName;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** The five fields in order, with their bounds (day-of-week reads 0-7; 7 folds onto 0). */
export const FIELD_RULES: readonly FieldRule[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day-of-week", min: 0, max: 7, names: DAYS },
];

function value(rule: FieldRule, text: string, part: string): number {
  const i = rule.names?.indexOf(text.toUpperCase()) ?? -1;
  if (i >= 0) return rule.name === "month" ? i + 1 : i;
  if (!/^\d+$/.test(text)) {
    throw new CronFieldError(
      rule.name,
      part,
      rule.names
        ? `expected ${rule.min}-${rule.max} or ${rule.names[0]}-${rule.names.at(-1)}, got "${text}"`
        : `expected a number ${rule.min}-${rule.max}, got "${text}"`,
    );
  }
  const n = Number(text);
  if (n < rule.min || n > rule.max) {
    // the text, not `n`: 99999999999999999999 would print as 100000000000000000000
    throw new CronFieldError(rule.name, part, `${text} is out of ${rule.min}-${rule.max}`);
  }
  return n;
}

/** The values of one field, and whether it starts with `*` (Vixie's "unrestricted"). */
export function readField(rule: FieldRule, part: string): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  if (part === "") throw new CronFieldError(rule.name, part, "empty");
  for (const item of part.split(",")) {
    if (item === "") throw new CronFieldError(rule.name, part, "an empty item between commas");
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(item);
    if (!m) throw new CronFieldError(rule.name, part, `cannot read "${item}"`);
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1 || step > rule.max) {
      throw new CronFieldError(rule.name, part, `step ${m[2]} is out of 1-${rule.max}`);
    }
    let from: number, to: number;
    if (m[1] === "*") {
      [from, to] = [rule.min, rule.name === "day-of-week" ? 6 : rule.max];
    } else if (m[1].includes("-")) {
      const [a, b, extra] = m[1].split("-");
      if (extra !== undefined) throw new CronFieldError(rule.name, part, `cannot read "${item}"`);
      for (const [end, text] of [["start", a], ["end", b]]) {
        if (text === "") throw new CronFieldError(rule.name, part, `range "${m[1]}" has no ${end}`);
      }
      [from, to] = [value(rule, a, part), value(rule, b, part)];
      // SUN may end a range: FRI-SUN is 5-7.
      if (rule.name === "day-of-week" && to === 0 && from > 0) to = 7;
      if (from > to) throw new CronFieldError(rule.name, part, `range ${m[1]} runs backwards`);
    } else {
      from = value(rule, m[1], part);
      to = m[2] === undefined ? from : rule.max;
    }
    for (let v = from; v <= to; v += step) values.add(rule.name === "day-of-week" ? v % 7 : v);
  }
  return { values, star: part.startsWith("*") };
}

/** Reads a 5-field expression (already split) or throws `CronFieldError` naming the field. */
export function parseCron(expression: string): CronFields {
  const parts = expression.trim() === "" ? [] : expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    const shorthand = /^@/.test(parts[0] ?? "")
      ? " (@daily and the other @ shorthands are not read: write 0 0 * * *)"
      : "";
    throw new RangeError(
      `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}${shorthand}`,
    );
  }
  const [mi, h, dom, mon, dow] = parts.map((p, i) => readField(FIELD_RULES[i], p));
  const flags = (set: Set<number>, size: number) =>
    Array.from({ length: size }, (_, i) => set.has(i));
  const sorted = (set: Set<number>) => [...set].sort((a, b) => a - b);
  const minutes = sorted(mi.values);
  const hours = sorted(h.values);
  return {
    minutes,
    hours,
    days: flags(dom.values, 32),
    months: flags(mon.values, 13),
    weekdays: flags(dow.values, 7),
    dayOr: !dom.star && !dow.star,
    everyHour: hours.length === 24,
    times: hours.flatMap((hh) => minutes.map((mm) => hh * 60 + mm)),
  };
}

/** Whether the calendar day (month 1-12) is one of the expression's days. */
export function matchesDay(c: CronFields, year: number, month: number, day: number): boolean {
  if (!c.months[month]) return false;
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return c.dayOr ? c.days[day] || c.weekdays[weekday] : c.days[day] && c.weekdays[weekday];
}

/**
 * IANA time zones through `Intl`: the UTC offset at an instant, and the shape of a local day
 * (one offset, or a change at a known instant). Assumes at most one offset change within any
 * 50 hours, which holds for every zone in the tz database since 1970.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Names ICU reads that PostgreSQL 15 (server and PGlite alike) does not list in
 * `pg_timezone_names`, so its SQL would fail or mean another zone: ICU's three-letter ids (PostgreSQL
 * reads `IST` as the abbreviation +02:00, ICU as Asia/Kolkata), and names the tz database retired
 * (`US/Pacific-New`, `Canada/East-Saskatchewan`, `SystemV/*`). tests/zone_database_test.ts checks
 * every name either side knows against the database.
 */
const RETIRED = /^(?:US\/Pacific-New|Canada\/East-Saskatchewan|SystemV\/.*)$/i;
/** The three-letter names PostgreSQL lists as zones. */
const PG_THREE = new Set(
  ["CET", "EET", "EST", "GMT", "HST", "MET", "MST", "PRC", "ROC", "ROK", "UCT", "UTC", "WET"],
);

function intlOnly(zone: string): boolean {
  return RETIRED.test(zone) || (/^[a-z]{3}$/i.test(zone) && !PG_THREE.has(zone.toUpperCase()));
}

/**
 * Whether `zone` is an IANA zone name this runtime knows. A UTC offset (`+05:30`, `-03`) is not:
 * `Intl` takes it as written, but PostgreSQL reads it as a POSIX zone, with the sign the other
 * way round (`+05:30` is 05:30 *west* of Greenwich there), so the jobs' SQL would be hours off.
 */
export function isZone(zone: string): boolean {
  if (zone === "UTC") return true; // no need to load the time-zone data for it
  if (/^[+-]/.test(zone.trim()) || intlOnly(zone)) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** `zone` as the tz database spells it when only its case differs (`europe/madrid`), else as given. */
export function zoneName(zone: string): string {
  if (zone === "UTC") return zone;
  const named = new Intl.DateTimeFormat("en", { timeZone: zone }).resolvedOptions().timeZone;
  return named.toLowerCase() === zone.toLowerCase() ? named : zone;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function format(zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      era: "short",
    });
    formats.set(zone, f);
  }
  return f;
}

/** Local wall time minus UTC at instant `t` (ms since the epoch), in ms: +3_600_000 for CET. */
export function offsetAt(zone: string, t: number): number {
  if (zone === "UTC") return 0;
  const whole = Math.floor(t / 1000) * 1000;
  const p: Record<string, string> = {};
  for (const { type, value } of format(zone).formatToParts(whole)) p[type] = value;
  const year = p.era === "BC" || p.era === "B" ? 1 - Number(p.year) : Number(p.year);
  const local = Date.UTC(year, Number(p.month) - 1, Number(p.day), +p.hour, +p.minute, +p.second);
  return local - whole;
}

/**
 * How a local day maps to instants. `naive` is the day's 00:00 read as if it were UTC; a
 * local time `L` (naive ms) is the instant `L - offset` while that falls before `change`
 * (with `before`), or after it (with `after`).
 */
export type DayShape =
  | { kind: "fixed"; naive: number; offset: number }
  | { kind: "change"; naive: number; change: number; before: number; after: number };

const shapes = new Map<string, DayShape>();

/** The shape of the local day `naive` (a UTC midnight standing for the local date) in `zone`. */
export function dayShape(zone: string, naive: number): DayShape {
  const key = `${zone} ${naive}`;
  const known = shapes.get(key);
  if (known) return known;
  // Every instant whose local date is this day lies within [naive - 14 h, naive + 36 h].
  const lo = naive - 14 * HOUR;
  const hi = naive + DAY + 12 * HOUR;
  const before = offsetAt(zone, lo);
  const after = offsetAt(zone, hi);
  let shape: DayShape;
  if (before === after) shape = { kind: "fixed", naive, offset: before };
  else {
    // The first second with the new offset.
    let [a, b] = [lo / 1000, hi / 1000];
    while (b - a > 1) {
      const mid = Math.floor((a + b) / 2);
      if (offsetAt(zone, mid * 1000) === before) a = mid;
      else b = mid;
    }
    shape = { kind: "change", naive, change: b * 1000, before, after };
  }
  if (shapes.size > 20_000) shapes.clear();
  shapes.set(key, shape);
  return shape;
}

/**
 * The instants at which local time `naive + minuteOfDay` happens in a day of shape `s`:
 * none (a gap), one, or two (an overlap), earliest first.
 */
export function instantsOf(s: DayShape, minuteOfDay: number): number[] {
  const local = s.naive + minuteOfDay * MINUTE;
  if (s.kind === "fixed") return [local - s.offset];
  const out: number[] = [];
  if (local - s.before < s.change) out.push(local - s.before);
  if (local - s.after >= s.change) out.push(local - s.after);
  return out;
}

/** The local calendar date of instant `t` in `zone`, as the naive UTC midnight standing for it. */
export function localDay(zone: string, t: number): number {
  const local = t + offsetAt(zone, t);
  return Math.floor(local / DAY) * DAY;
}

/** `+02:00`-style offset of `zone` at `t`. */
export function offsetLabel(zone: string, t: number): string {
  const o = offsetAt(zone, t) / MINUTE;
  const abs = Math.abs(o);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${o < 0 ? "-" : "+"}${hh}:${mm}`;
}

/** `2026-03-29 03:00` local wall time of `t` in `zone` (`+010000-02-29 06:30` past 9999). */
export function localLabel(zone: string, t: number): string {
  return new Date(t + offsetAt(zone, t)).toISOString().replace(/T(\d\d:\d\d).*$/, " $1");
}

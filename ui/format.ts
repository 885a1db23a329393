/**
 * What the dashboard shows as text: schedules in words, numbers with separators, durations and
 * ages as people say them, times in the operator's zone. Pure functions, tested on their own.
 */
import type { Schedule } from "../actors/schedule.ts";
import { isZone } from "../actors/zone.ts";

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

const pad = (n: number) => String(n).padStart(2, "0");
function suffix(n: number): string {
  if (n % 100 >= 11 && n % 100 <= 13) return `${n}th`;
  return `${n}${({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10] ?? "th"}`;
}

/**
 * A schedule in words with its zone: "every day at 08:00 Europe/Madrid", "every 15 minutes",
 * "every Monday at 00:00 UTC". Shapes it has no words for are shown as the cron expression.
 */
export function scheduleInWords(schedule: Schedule, zone: string): string {
  if (schedule.kind === "every") return `every ${schedule.text}`;
  const [min, hour, dom, mon, dow] = schedule.expression.trim().split(/\s+/);
  const num = (s: string) => /^\d+$/.test(s) ? Number(s) : null;
  // `*/n` is an even rhythm only when n divides the field's cycle (60 minutes, 24 hours):
  // `*/7` runs at :56 and then :00, four minutes later.
  const step = (s: string, cycle: number) => {
    const n = Number(/^\*\/(\d+)$/.exec(s)?.[1]);
    return n > 0 && cycle % n === 0 ? String(n) : undefined;
  };
  const m = num(min), h = num(hour);
  if (hour === "*" && dom === "*" && mon === "*" && dow === "*") {
    const s = min === "*" ? "1" : step(min, 60);
    if (s === "1") return "every minute";
    if (s) return `every ${s} minutes`;
    if (m !== null) return m === 0 ? "every hour, on the hour" : `every hour at :${pad(m)}`;
  }
  const hours = step(hour, 24);
  if (m !== null && hours && hours !== "1" && dom === "*" && mon === "*" && dow === "*") {
    return `every ${hours} hours at :${pad(m)} ${zone}`;
  }
  if (m === null || h === null || mon !== "*") return `cron "${schedule.expression}" ${zone}`;
  const at = `at ${pad(h)}:${pad(m)} ${zone}`;
  if (dom === "*" && dow === "*") return `every day ${at}`;
  const day = num(dow) ?? DAYS.findIndex((d) => d.slice(0, 3).toUpperCase() === dow.toUpperCase());
  if (dom === "*" && day !== null && day >= 0 && day <= 7) return `every ${DAYS[day % 7]} ${at}`;
  if (dow === "*" && num(dom) !== null) return `on the ${suffix(num(dom)!)} of every month ${at}`;
  return `cron "${schedule.expression}" ${zone}`;
}

let integer: Intl.NumberFormat | undefined;

/** 1234567 → "1,234,567". */
export function count(n: number): string {
  integer ??= new Intl.NumberFormat("en-US");
  return integer.format(n);
}

/** A duration as people read it: "850 ms", "4.2 s", "3 min 5 s", "2 h 10 min", "3 d 4 h". */
export function duration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Number((ms / 1_000).toFixed(ms < 10_000 ? 1 : 0))} s`;
  const s = Math.floor(ms / 1_000);
  if (s < 3_600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  if (s < 86_400) {
    const min = Math.floor((s % 3_600) / 60);
    return `${Math.floor(s / 3_600)} h${min ? ` ${min} min` : ""}`;
  }
  const h = Math.floor((s % 86_400) / 3_600);
  return `${Math.floor(s / 86_400)} d${h ? ` ${h} h` : ""}`;
}

/** How far `at` is from `now` in words: "in 3 min", "5 s ago", "just now". */
export function relative(at: Date, now: Date): string {
  const ms = at.getTime() - now.getTime();
  if (Math.abs(ms) < 1_000) return "just now";
  return ms > 0 ? `in ${duration(ms)}` : `${duration(-ms)} ago`;
}

/** The zone to show times in: the operator's (a cookie the page sets), else `fallback`. */
export function operatorZone(candidate: string | undefined, fallback: string): string {
  return candidate && candidate.length <= 64 && isZone(candidate) ? candidate : fallback;
}

/** "30 Nov 2026, 08:00:05" in `zone` (the title carries UTC). */
export function localTime(at: Date, zone: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: zone,
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).format(at);
}

/** The UTC form of `at` for a tooltip: "2026-11-30 07:00:05 UTC". */
export function utcTitle(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

export interface SparkPoint {
  durationMs: number;
  outcome: string;
}

/**
 * Bars of the last runs' durations, oldest left, scaled to the longest; each bar is coloured by
 * its outcome through a class. Returns the bars' geometry; the page draws them as SVG rects.
 */
export function sparkBars(points: SparkPoint[], width: number, height: number) {
  const max = Math.max(1, ...points.map((p) => p.durationMs));
  const slot = width / Math.max(points.length, 1);
  return points.map((p, i) => {
    const h = Math.max(2, Math.round((p.durationMs / max) * (height - 2)));
    return {
      x: Math.round(i * slot * 10) / 10,
      y: height - h,
      width: Math.max(1, Math.round((slot - 1) * 10) / 10),
      height: h,
      outcome: p.outcome,
      title: `${p.outcome}, ${duration(p.durationMs)}`,
    };
  });
}

/** What a finished run changed, from its result: "processed 1,204 · notified 3". */
export function resultSummary(result: unknown): string {
  if (!result || typeof result !== "object") return "";
  return Object.entries(result as Record<string, unknown>)
    .filter(([, v]) => typeof v === "number" || typeof v === "string" || typeof v === "boolean")
    .slice(0, 4)
    .map(([k, v]) => `${k} ${typeof v === "number" ? count(v) : String(v)}`)
    .join(" · ");
}

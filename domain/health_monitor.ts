import { defineJob, type JobContext, type JobSpec, type RunResult } from "../actors/job.ts";
import { isStale, maxAgeOf } from "../actors/task_view.ts";
import { INCIDENT_REASONS, type IncidentOpen, incidentWrites } from "./incidents.ts";
import { pgRunStore } from "../db/run_store.ts";

export const HEALTH_MONITOR = "health-monitor";

/** The trouble the monitor watches for; `gave-up` incidents are the runtime's own. */
export const MONITOR_REASONS = [
  "stale",
  "failing",
  "paused",
] as const satisfies readonly (typeof INCIDENT_REASONS)[number][];

export interface HealthMonitorOptions {
  /** The jobs to watch, as they are configured (schedules and zones applied). */
  watched: readonly JobSpec[];
  /** A job paused for longer than this opens an incident (`PAUSE_ALERT_AFTER`). */
  pauseAlertAfterMs: number;
  adminChatId?: number;
}

/** A span as people say it: "36 min", "24 h", "6 h 40 min". */
function minutes(ms: number): string {
  const total = Math.round(ms / 60_000);
  const [h, m] = [Math.floor(total / 60), total % 60];
  return h === 0 ? `${m} min` : m === 0 ? `${h} h` : `${h} h ${m} min`;
}
const when = (d: Date | null) =>
  d ? d.toISOString().replace("T", " ").slice(0, 16) + " UTC" : "never";

/** What is wrong with each watched job now, from the cluster's picture. */
async function troubles(ctx: JobContext, o: HealthMonitorOptions) {
  const now = ctx.scheduledFor;
  const names = o.watched.map((s) => s.name);
  const summaries = await pgRunStore(ctx.db).summaries(names);
  // A job that never succeeded counts from when the cluster first knew it (else the cluster's
  // first run), as /health/tasks does: one that never starts at all (no actor anywhere) goes
  // stale too.
  const found: IncidentOpen[] = [];
  const inMinutes = (ms: number) => Math.round(ms / 60_000);
  for (const [i, spec] of o.watched.entries()) {
    const s = summaries[i];
    const window = maxAgeOf(spec, now);
    const upSince = s.knownSince ?? now;
    if (isStale({ paused: s.paused, lastSuccessAt: s.lastSuccessAt, upSince }, now, window)) {
      found.push({
        job: spec.name,
        reason: "stale",
        detail: `no success within ${minutes(window)} (last: ${when(s.lastSuccessAt)})`,
        args: s.lastSuccessAt
          ? { window: inMinutes(window), ago: inMinutes(now.getTime() - s.lastSuccessAt.getTime()) }
          : { window: inMinutes(window), last: "never" },
      });
    }
    if (s.consecutiveFailures >= spec.maxConsecutiveFailures) {
      found.push({
        job: spec.name,
        reason: "failing",
        detail: `${s.consecutiveFailures} failures in a row`,
        args: { failures: s.consecutiveFailures },
      });
    }
    const pausedFor = s.paused && s.pausedSince ? now.getTime() - s.pausedSince.getTime() : 0;
    if (pausedFor > o.pauseAlertAfterMs) {
      found.push({
        job: spec.name,
        reason: "paused",
        detail: `paused since ${when(s.pausedSince)}, more than ${minutes(o.pauseAlertAfterMs)}`,
        args: { for: inMinutes(pausedFor), limit: inMinutes(o.pauseAlertAfterMs) },
      });
    }
  }
  return found;
}

/**
 * The monitor's run: opens an incident for each trouble found that has none open, and closes
 * its own open incidents whose trouble is gone, each with one message to the admin chat in its
 * language in the same statement (`incidentWrites`: keyed by the incident, so a rerun or a
 * second replica sends nothing more). The incident's detail, for operators, stays English.
 */
export function monitorRun(o: HealthMonitorOptions): (ctx: JobContext) => Promise<RunResult> {
  return async (ctx) => {
    const found = await troubles(ctx, o);
    const [r] = await ctx.db<{ opened: string[]; closed: string[] }[]>`
      WITH ${
      incidentWrites(ctx.db, {
        adminChatId: o.adminChatId,
        at: ctx.scheduledFor,
        open: found,
        close: ctx.db`i.reason = ANY(${[...MONITOR_REASONS]}::text[])
          AND NOT EXISTS (SELECT 1 FROM found f WHERE f.job = i.job AND f.reason = i.reason)`,
      })
    }
      SELECT coalesce((SELECT array_agg(job || ' ' || reason) FROM opened), '{}') AS opened,
             coalesce((SELECT array_agg(job || ' ' || reason) FROM closed), '{}') AS closed`;
    for (const what of r.opened) ctx.log.warn("incident opened", { incident: what });
    for (const what of r.closed) ctx.log.info("incident closed", { incident: what });
    return {
      processed: o.watched.length,
      changed: r.opened.length + r.closed.length,
      details: { troubles: found.length, opened: r.opened, closed: r.closed },
    };
  };
}

/**
 * `health-monitor` (every 5 min): from the cluster-wide picture (run history and pause state in
 * the database, the same on every replica), a job stale (no success within its schedule's
 * largest gap + its timeout + 5 min, e.g. 35 min for a 30-min job), failing
 * `maxConsecutiveFailures` times in a row, or paused longer than `PAUSE_ALERT_AFTER` opens an
 * incident with one alert; one "recovered" message when it ends. `loadSetup` gives it the
 * configured jobs to watch.
 */
export function healthMonitorJob(o: HealthMonitorOptions): JobSpec {
  return defineJob({
    name: HEALTH_MONITOR,
    description: "Opens an incident (one alert) for a job stale, failing or paused too long",
    schedule: "*/5 * * * *",
    timeout: "2m",
    run: monitorRun(o),
  });
}

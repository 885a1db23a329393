import { Hono } from "hono";
import type postgres from "postgres";
import type { Registry } from "../actors/metrics.ts";
import type { Runtime, TaskView } from "../actors/runtime.ts";
import { clusterGauges } from "./cluster_metrics.ts";
import type { Readiness } from "./readiness.ts";

const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900];

/**
 * Registers the runtime's metric families; counters follow the runtime's events. With `sql`, the
 * cluster's gauges too (community totals, open incidents), read from the database at each
 * scrape (the same on every replica).
 */
export function runtimeMetrics(
  registry: Registry,
  runtime: Runtime,
  readiness: Readiness,
  options: { sql?: postgres.Sql; communityReadMs?: number } = {},
) {
  // Read once per scrape: the cluster's picture (the same on every replica) and this node's actors.
  let tasks: TaskView[] = [];
  const runs = registry.counter("warden_runs_total", "Finished runs by job and outcome.");
  const durations = registry.histogram(
    "warden_run_duration_seconds",
    "Run durations.",
    DURATION_BUCKETS,
  );
  const claims = registry.counter(
    "warden_claims_total",
    "Slot claims by job and result (won or lost).",
  );
  registry.counter(
    "warden_restarts_total",
    "Actor restarts by the supervisor.",
    (set) => {
      for (const t of tasks) set({ job: t.name }, t.restarts);
    },
  );
  registry.counter(
    "warden_ticks_skipped_total",
    "Ticks skipped, by reason (overlap, paused).",
    (set) => {
      for (const name of runtime.names()) {
        set({ job: name, reason: "overlap" }, runtime.actor(name).mailbox.counters.skippedOverlap);
      }
      for (const [job, n] of pausedSkips) set({ job, reason: "paused" }, n);
    },
  );
  registry.counter(
    "warden_dead_letters_total",
    "Messages dropped: refused or sent to a stopped actor.",
    (set) => {
      for (const name of runtime.names()) {
        set(
          { job: name },
          runtime.actor(name).mailbox.counters.deadLetters,
        );
      }
    },
  );
  registry.gauge(
    "warden_last_success_timestamp_seconds",
    "When each job last succeeded (unix time).",
    (set) => {
      for (const t of tasks) {
        if (t.lastSuccessAt) set({ job: t.name }, Date.parse(t.lastSuccessAt) / 1000);
      }
    },
  );
  registry.gauge(
    "warden_actor_up",
    "1 while this node's actor of the job serves (not failed or stopped).",
    (set) => {
      for (const t of tasks) {
        set(
          { job: t.name },
          t.status === "failed" || t.status === "stopped" ? 0 : 1,
        );
      }
    },
  );
  registry.gauge("warden_mailbox_depth", "Messages waiting in each job's mailbox.", (set) => {
    for (const t of tasks) set({ job: t.name }, t.mailboxDepth);
  });
  const dbUp = registry.gauge("warden_database_up", "1 when the database answered the last check.");
  const pausedSkips = new Map<string, number>();
  const cluster = options.sql
    ? clusterGauges(registry, options.sql, options.communityReadMs)
    : undefined;

  runtime.events.on((e) => {
    if (e.type === "run-finished") {
      runs.inc({ job: e.job, outcome: e.run.outcome });
      if (e.run.durationMs !== null) durations.observe({ job: e.job }, e.run.durationMs / 1000);
    } else if (e.type === "claimed" && (e.trigger === "cron" || e.trigger === "catch-up")) {
      claims.inc({ job: e.job, result: "won" });
    } else if (e.type === "tick-skipped" && e.reason === "lost-claim") {
      claims.inc({ job: e.job, result: "lost" });
    } else if (e.type === "tick-skipped" && e.reason === "paused") {
      pausedSkips.set(e.job, (pausedSkips.get(e.job) ?? 0) + 1);
    }
  });
  return {
    /** Refreshes what must be asked for (the database check), then renders. */
    async scrape(): Promise<string> {
      const up = (await readiness.database()).ok;
      dbUp.set({}, up ? 1 : 0);
      await cluster?.refresh(up);
      tasks = await runtime.tasks();
      return registry.render();
    },
  };
}

/** `GET /metrics`. */
export function metricsRoutes(metrics: { scrape(): Promise<string> }) {
  return new Hono().get(
    "/",
    async (c) =>
      c.text(await metrics.scrape(), 200, {
        "content-type": "text/plain; version=0.0.4; charset=utf-8",
      }),
  );
}

/**
 * The dashboard's jobs page (`GET /`) for `jobs` jobs with `runs` runs of history each, against
 * `GET /health/tasks` (the JSON of the same jobs) on the same runtime and database: server time
 * per request through the app's own `fetch` (no socket), median and 95th percentile of `rounds`
 * requests after a warm-up.
 */
import type postgres from "postgres";
import { systemClock } from "../actors/clock.ts";
import { defineJob } from "../actors/job.ts";
import { createLogger } from "../actors/log.ts";
import { createRegistry } from "../actors/metrics.ts";
import { createRuntime } from "../actors/runtime.ts";
import { pgRunStore } from "../db/run_store.ts";
import { createApp } from "../routes/app.ts";
import { runtimeMetrics } from "../routes/metrics.ts";
import { createReadiness } from "../routes/readiness.ts";

const SCHEDULES = ["*/15 * * * *", "0 8 * * *", "0 0 * * 1", "*/5 * * * *", "30 2 1 * *"];

function percentile(ms: number[], p: number): number {
  const sorted = [...ms].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

export async function dashboardBench(sql: postgres.Sql, jobs: number, runs: number, rounds = 40) {
  const names = Array.from(
    { length: jobs },
    (_, i) => `bench-job-${String(i + 1).padStart(2, "0")}`,
  );
  // `runs` finished runs per job, one every 15 minutes back from now, one in 20 failed
  await sql`
    INSERT INTO job_runs (id, job, scheduled_for, trigger, node, outcome, started_at, finished_at, result, error)
    SELECT gen_random_uuid(), j, now() - g * interval '15 minutes', 'cron', 'bench',
           CASE WHEN g % 20 = 0 THEN 'failed' ELSE 'succeeded' END,
           now() - g * interval '15 minutes',
           now() - g * interval '15 minutes' + (50 + g % 400) * interval '1 millisecond',
           CASE WHEN g % 20 = 0 THEN NULL ELSE jsonb_build_object('processed', g % 1000) END,
           CASE WHEN g % 20 = 0 THEN 'bench failure' END
    FROM unnest(${names}::text[]) j, generate_series(1, ${runs}) g`;
  await sql`ANALYZE job_runs`;
  const log = createLogger({ level: "silent" });
  const clock = systemClock();
  const runtime = createRuntime({
    jobs: names.map((name, i) =>
      defineJob({
        name,
        description: `bench job ${i + 1}`,
        schedule: SCHEDULES[i % SCHEDULES.length],
        run: () => Promise.resolve({}),
      })
    ),
    store: pgRunStore(sql),
    db: sql,
    clock,
    log,
    node: "bench",
    ticks: "manual",
  });
  const readiness = createReadiness({ ping: () => sql`SELECT 1`, clock });
  readiness.markMigrated();
  readiness.markStarted();
  const app = createApp({
    runtime,
    readiness,
    log,
    metrics: runtimeMetrics(createRegistry(), runtime, readiness),
    sql,
    dashboard: { publicReads: true },
  });
  async function serverMs(path: string): Promise<number[]> {
    const times: number[] = [];
    for (let i = 0; i < rounds + 5; i++) {
      const t0 = performance.now();
      const res = await app.request(path);
      const body = await res.text();
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${body.slice(0, 200)}`);
      if (path === "/" && !body.includes(`data-job="${names[jobs - 1]}"`)) {
        throw new Error("the jobs page does not show every job");
      }
      if (i >= 5) times.push(ms); // the first few warm the caches and the JIT
    }
    return times;
  }
  try {
    const page = await serverMs("/");
    const tasks = await serverMs("/health/tasks");
    const p50 = percentile(page, 0.5), t50 = percentile(tasks, 0.5);
    return {
      job: "dashboard",
      jobs,
      runs_per_job: runs,
      rounds,
      page_ms_p50: +p50.toFixed(1),
      page_ms_p95: +percentile(page, 0.95).toFixed(1),
      tasks_ms_p50: +t50.toFixed(1),
      vs_tasks: +(p50 / t50).toFixed(2),
    };
  } finally {
    await runtime.shutdown(1_000);
    await sql`DELETE FROM job_runs WHERE node = 'bench'`;
  }
}

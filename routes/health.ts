import { Hono } from "hono";
import type { Runtime } from "../actors/runtime.ts";
import type { Readiness } from "./readiness.ts";

export interface HealthRoutesDeps {
  runtime: Runtime;
  readiness: Readiness;
  /** The Telegram side's state (a later part of the app); `disabled` when there is no bot. */
  telegram?: () => { status: "ok" | "disabled" | "error"; detail?: string };
}

/** `/health`, `/health/liveness`, `/health/readiness`, `/health/tasks[/:name]`. */
export function healthRoutes({ runtime, readiness, telegram }: HealthRoutesDeps) {
  return new Hono()
    .get("/liveness", (c) => {
      const live = runtime.liveness();
      return c.json(
        { status: live.ok ? "alive" : "stuck", lastHeartbeat: live.lastHeartbeat.toISOString() },
        live.ok ? 200 : 503,
      );
    })
    .get("/readiness", async (c) => {
      const reasons = await readiness.reasons();
      return reasons.length === 0
        ? c.json({ status: "ready" })
        : c.json({ status: "not ready", reasons }, 503);
    })
    .get("/tasks", async (c) => c.json({ tasks: await runtime.tasks() }))
    .get("/tasks/:name", async (c) => c.json(await runtime.task(c.req.param("name"))))
    .get("/", async (c) => {
      const database = await readiness.database();
      const jobs = await runtime.summary();
      const live = runtime.liveness();
      const tg = telegram?.() ?? { status: "disabled" as const };
      const status = !database.ok || !live.ok || readiness.shuttingDown
        ? "unhealthy"
        : jobs.status === "degraded" || tg.status === "error"
        ? "degraded"
        : "healthy";
      return c.json({
        status,
        checks: {
          database,
          telegram: tg,
          scheduler: { ok: live.ok, lastHeartbeat: live.lastHeartbeat.toISOString() },
        },
        jobs,
      }, status === "unhealthy" ? 503 : 200);
    });
}

import type { Bot } from "grammy";
import { Hono } from "hono";
import type postgres from "postgres";
import type { Logger } from "../actors/log.ts";
import { adminApiRoutes } from "./admin_api.ts";
import { bodyLimit } from "./body_limit.ts";
import { apiRoutes } from "./api.ts";
import { caseRoutes } from "./cases.ts";
import { chatSettingsRoutes } from "./chat_settings.ts";
import { errorHandler } from "./errors.ts";
import { controlRoutes } from "./control.ts";
import { healthRoutes, type HealthRoutesDeps } from "./health.ts";
import { notFound } from "./methods.ts";
import { metricsRoutes } from "./metrics.ts";
import { quizApiRoutes } from "./quiz_api.ts";
import { telegramRoutes } from "./telegram.ts";
import { type DashboardDeps, dashboardRoutes } from "../ui/dashboard.tsx";

export type AppDeps = HealthRoutesDeps & {
  log: Logger;
  adminToken?: string;
  /** Where an operator's closing of an incident is told (`ADMIN_CHAT_ID`). */
  adminChatId?: number;
  metrics: { scrape(): Promise<string> };
  /** With TELEGRAM_MODE=webhook: the bot behind `POST /telegram/webhook`. */
  webhook?: { bot: Bot; secretToken?: string; initTimeoutMs?: number };
  /** The database behind `GET /api/…` and the dashboard; without it neither is mounted. */
  sql?: postgres.Sql;
  /** The time the API's reads are as of (a profile's streak and lives); default the system's. */
  now?: () => Date;
  /** The dashboard at `/`: public reads, sign-in length, the default zone, refresh period. */
  dashboard?: Pick<DashboardDeps, "publicReads" | "sessionHours" | "zone" | "refreshMs" | "now">;
};

/**
 * The largest request body any route reads: Telegram's updates, the API's JSON and the
 * dashboard's forms are all far smaller. Past it, 413 before the body is read, so no request
 * (the sign-in page's, open to anyone, included) can make the process hold an unbounded body.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The whole HTTP surface, built from its parts. */
export function createApp(deps: AppDeps) {
  const app = new Hono();
  app.use(bodyLimit(
    MAX_BODY_BYTES,
    (c) => c.json({ error: `request body over ${MAX_BODY_BYTES} bytes (1 MiB): refused` }, 413),
  ));
  app.route("/health", healthRoutes(deps));
  app.route("/health/tasks", controlRoutes(deps));
  app.route("/metrics", metricsRoutes(deps.metrics));
  if (deps.sql) {
    const api = { sql: deps.sql, adminToken: deps.adminToken, now: deps.now };
    const ops = { ...api, adminChatId: deps.adminChatId };
    app.route("/api", apiRoutes(api));
    app.route("/api", chatSettingsRoutes(api));
    app.route("/api", caseRoutes(api));
    app.route("/api", adminApiRoutes(ops));
    app.route("/api", quizApiRoutes(api));
  }
  if (deps.webhook) {
    app.route(
      "/telegram",
      telegramRoutes({ ...deps.webhook, log: deps.log.child({ part: "webhook" }) }),
    );
  }
  if (deps.sql) {
    // after the API and the webhook: its pages are `/`, `/jobs/…`, `/outbox`, `/chats/…`, `/sign-in`
    app.route("/", dashboardRoutes({ ...deps, sql: deps.sql, ...deps.dashboard }));
  }
  app.notFound(notFound(app));
  app.onError(errorHandler(deps.log));
  return app;
}

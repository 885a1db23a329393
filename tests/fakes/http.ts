import type { Hono } from "hono";
import type { Sql } from "postgres";
import { createLogger } from "../../actors/log.ts";
import { createRegistry } from "../../actors/metrics.ts";
import type { Runtime } from "../../actors/runtime.ts";
import { createApp } from "../../routes/app.ts";
import { runtimeMetrics } from "../../routes/metrics.ts";
import type { Clock } from "../../actors/clock.ts";
import type { AppDeps } from "../../routes/app.ts";
import { createReadiness, type Readiness } from "../../routes/readiness.ts";

/** Serves `app` on a free loopback port; dispose to stop it. */
export function serve(app: Hono) {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.fetch);
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    base,
    /** Fetches a path and reads the JSON body. */
    // deno-lint-ignore no-explicit-any -- test helper: bodies are checked field by field
    async get(path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
      const res = await fetch(base + path, init);
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

/** Readiness of a started replica (migrated, started) whose database answers `ping`. */
export function ready(clock: Clock, ping: () => Promise<unknown> = () => Promise.resolve()) {
  const readiness = createReadiness({ ping, clock });
  readiness.markMigrated();
  readiness.markStarted();
  return readiness;
}

/**
 * The whole app around a runtime, served on loopback; with `sql`, the `/api` reads and the
 * dashboard (`dashboard`: its options) too.
 */
export function serveApp(
  runtime: Runtime,
  readiness: Readiness,
  options: {
    adminToken?: string;
    sql?: Sql;
    now?: () => Date;
    dashboard?: AppDeps["dashboard"];
  } = {},
) {
  return serve(createApp({
    runtime,
    readiness,
    log: createLogger({ level: "silent" }),
    metrics: runtimeMetrics(createRegistry(), runtime, readiness, { sql: options.sql }),
    adminToken: options.adminToken,
    sql: options.sql,
    now: options.now,
    dashboard: options.dashboard,
  }));
}

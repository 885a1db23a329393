/** Signing in to the dashboard the way a browser's form does, for tests that drive it by HTTP. */
import { Hono } from "hono";
import type { Sql } from "postgres";
import { createLogger } from "../../actors/log.ts";
import { dashboardRoutes } from "../../ui/dashboard.tsx";
import { fakeClock } from "./clock.ts";
import { ready, serve, serveApp } from "./http.ts";
import { testRuntime } from "./runtime.ts";

/** A form post's content type. */
export const FORM = { "content-type": "application/x-www-form-urlencoded" };

/**
 * Posts the sign-in form at `base` (the admin `token`, the operator's `name`, back to `/`):
 * the answer, its `Set-Cookie` (empty when refused) and the session cookie to send.
 */
export async function signIn(base: string, token: string, name?: string) {
  const fields: Record<string, string> = { token, next: "/" };
  if (name !== undefined) fields.name = name;
  const res = await fetch(`${base}/sign-in`, {
    method: "POST",
    headers: FORM,
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
  await res.body?.cancel();
  const set = res.headers.get("set-cookie") ?? "";
  return { res, set, cookie: set.split(";")[0] };
}

/** The CSRF token the forms of `path` carry for the session of `cookie` ("" when it has none). */
export async function csrfOf(base: string, cookie: string, path = "/") {
  const page = await fetch(base + path, { headers: { cookie } }).then((r) => r.text());
  return /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
}

/**
 * The dashboard alone on `sql`, served on loopback (no jobs, ready), signed with `token`, each
 * page waiting `deadlineMs` on the database: for tests of a database that does not answer.
 */
export function serveDashboard(sql: Sql, token: string, deadlineMs: number) {
  const { runtime } = testRuntime([]);
  const app = new Hono().route(
    "/",
    dashboardRoutes({
      runtime,
      readiness: ready(fakeClock()),
      sql,
      log: createLogger({ level: "silent" }),
      adminToken: token,
      deadlineMs,
    }),
  );
  return serve(app);
}

/**
 * The whole app on `sql` (no jobs, ready, the dashboard never refreshing itself), served on
 * loopback and signed in with `token`: the server (`await using` it), its session `cookie` with it.
 */
export async function signedInApp(sql: Sql, token: string) {
  const { runtime } = testRuntime([]);
  const http = serveApp(runtime, ready(fakeClock()), {
    adminToken: token,
    sql,
    dashboard: { refreshMs: 0 },
  });
  const { cookie } = await signIn(http.base, token);
  return Object.assign(http, { cookie });
}

/** Posts `fields` as a form to `path` with the session `cookie`, not following a redirect. */
export function postForm(
  base: string,
  cookie: string,
  path: string,
  fields: Record<string, string>,
): Promise<Response> {
  return fetch(base + path, {
    method: "POST",
    headers: { ...FORM, cookie },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

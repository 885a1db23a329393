/**
 * A signed-in dashboard page with a database that accepts connections and never answers: 503 at
 * the page's deadline, as a signed-out one and the API are. The sign-out check (one probe of
 * `dashboard_revoked_sessions` per signed request) runs before the page's own deadline, so it
 * must keep one itself; without, the page hung for as long as the client waits (90 s here).
 */
import assert from "node:assert/strict";
import { SESSION_COOKIE, sessions } from "../ui/session.ts";
import { serveDashboard } from "./fakes/dashboard_session.ts";
import { silentDatabase } from "./fakes/silent_db.ts";

const TOKEN = "dashboard-token-0123456789";

Deno.test("a signed-in page on a database that never answers: 503 at the deadline, not a hung page", async () => {
  await using silent = silentDatabase(90); // the client alone would wait a minute and a half
  const sql = silent.sql;
  const { cookie } = await sessions(TOKEN, 12).issue(new Date(), "Ops");
  const http = serveDashboard(sql, TOKEN, 100);
  try {
    const res = await fetch(`${http.base}/`, {
      headers: { cookie: `${SESSION_COOKIE}=${cookie}` },
      redirect: "manual",
      signal: AbortSignal.timeout(30_000), // a guard against the hang, not a measure
    });
    const page = await res.text();
    assert.equal(res.status, 503);
    assert.match(page, /Database unavailable/);
  } finally {
    await http[Symbol.asyncDispose]();
  }
});

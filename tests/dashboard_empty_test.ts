/**
 * The jobs page with no jobs (every job turned off with `JOB_<NAME>_ENABLED=false`) says so, and
 * offers no Pause all / Resume all ("Paused all 0 jobs"), instead of an empty table.
 */
import assert from "node:assert/strict";
import { testDatabase } from "./db.ts";
import { csrfOf, serveDashboard, signIn } from "./fakes/dashboard_session.ts";

const TOKEN = "dashboard-token-0123456789";

Deno.test("dashboard: the jobs page without jobs says so and offers nothing to pause", async () => {
  await using db = await testDatabase();
  await using http = serveDashboard(db.sql, TOKEN, 5_000);
  const { cookie } = await signIn(http.base, TOKEN);
  assert.ok(await csrfOf(http.base, cookie), "signed in: the page has forms (Sign out)");
  const page = await fetch(`${http.base}/`, { headers: { cookie } }).then((r) => r.text());
  assert.match(page, /No jobs: every job is turned off \(JOB_&lt;NAME&gt;_ENABLED=false\)\./);
  assert.doesNotMatch(page, /<table class="jobs"/, "no empty table");
  assert.doesNotMatch(page, /pause-all|resume-all/, "nothing to pause or resume");
  assert.match(page, /No incidents\./, "the rest of the page is there");
});

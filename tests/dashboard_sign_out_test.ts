/**
 * Signing out of the dashboard revokes the session on every replica: the cookie is stateless
 * (signed), so a copy of it taken before the sign-out must be refused afterwards, on replica B
 * as on replica A; the row that says so is forgotten by `retention-cleanup` once the session
 * would have expired anyway.
 */
import assert from "node:assert/strict";
import { retentionJob } from "../domain/retention.ts";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";
import { community, runJob } from "./fakes/community.ts";
import { FORM, postForm, serveDashboard, signIn as postSignIn } from "./fakes/dashboard_session.ts";
import { ready, serveApp } from "./fakes/http.ts";
import { dbRuntime } from "./fakes/runtime.ts";

const TOKEN = "dashboard-token-0123456789";
async function signIn(base: string) {
  const { res, cookie } = await postSignIn(base, TOKEN, "Ops");
  assert.equal(res.status, 303);
  return cookie;
}

/** A page's status with `cookie` (a signed-out cookie is sent to sign in: 303). */
async function page(base: string, cookie: string, path = "/chats") {
  const res = await fetch(base + path, { headers: { cookie }, redirect: "manual" });
  const text = await res.text();
  return { status: res.status, text, location: res.headers.get("location") };
}

function csrfOf(html: string): string {
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(csrf, "the page carries the session's CSRF token");
  return csrf;
}

async function post(base: string, cookie: string, path: string, fields: Record<string, string>) {
  const res = await postForm(base, cookie, path, fields);
  await res.body?.cancel();
  return res;
}

Deno.test("dashboard sign-out: the old cookie is refused afterwards on the other replica too", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -5, title: "Club" }, [{ user: 7, xp: 10, name: "Ana" }]);
  await using a = dbRuntime(db.url, [], { node: "replica-a" });
  await using b = dbRuntime(db.url, [], { node: "replica-b" });
  const opts = { adminToken: TOKEN, dashboard: { refreshMs: 0 } };
  await using httpA = serveApp(a.runtime, ready(fakeClock()), { ...opts, sql: a.sql });
  await using httpB = serveApp(b.runtime, ready(fakeClock()), { ...opts, sql: b.sql });

  const stolen = await signIn(httpA.base);
  const other = await signIn(httpB.base);
  const before = await page(httpB.base, stolen);
  assert.equal(before.status, 200, "signed in, the cookie reads on B");
  const csrf = csrfOf(before.text);

  const out = await post(httpA.base, stolen, "/sign-out", { _csrf: csrf });
  assert.equal(out.status, 303);
  assert.equal(out.headers.get("location"), "/sign-in");
  // Sent again (a double click, another tab's stale page): signed out already, so the sign-in
  // page, on either replica, not a "sign in first" refusal.
  for (const base of [httpA.base, httpB.base]) {
    const again = await post(base, stolen, "/sign-out", { _csrf: csrf });
    assert.equal(again.status, 303, `sign-out sent again to ${base}`);
    assert.equal(again.headers.get("location"), "/sign-in");
  }

  for (const base of [httpB.base, httpA.base]) {
    const after = await page(base, stolen);
    assert.equal(after.status, 303, `the signed-out cookie must not read on ${base}`);
    assert.match(after.location ?? "", /^\/sign-in/);
    const act = await post(base, stolen, "/jobs/pause-all", { _csrf: csrf });
    assert.equal(act.status, 403, "nor change anything");
  }
  assert.equal((await page(httpB.base, other)).status, 200, "another session is untouched");

  // Cleanup: the row goes once the session it revoked would have expired (12 h by default).
  const [{ expires }] = await db.sql<{ expires: Date }[]>`
    SELECT max(expires_at) AS expires FROM dashboard_revoked_sessions`;
  await runJob(retentionJob(RETENTION), db.sql, new Date(expires.getTime() - 60_000));
  assert.equal(await revoked(db.sql), 1, "kept while the cookie could still be presented");
  await runJob(retentionJob(RETENTION), db.sql, new Date(expires.getTime() + 60_000));
  assert.equal(await revoked(db.sql), 0, "forgotten after its expiry");
});

const RETENTION = {
  outboxDays: 7,
  runHistoryDays: 30,
  eventsDays: 90,
  quizDays: 30,
  metricsDays: 90,
};

async function revoked(sql: import("postgres").Sql): Promise<number> {
  const [{ n }] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM dashboard_revoked_sessions`;
  return n;
}

Deno.test({
  name:
    "dashboard sign-out the database does not confirm in time: 504 at the deadline, this browser signed out",
  // A second session holds the lock the sign-out waits on; the embedded database has one session.
  ignore: !Deno.env.get("DATABASE_URL"),
  async fn() {
    await using db = await testDatabase();
    await using http = serveDashboard(db.sql, TOKEN, 100);
    const cookie = await signIn(http.base);
    const csrf = csrfOf((await page(http.base, cookie, "/")).text);
    // Reads of the table go on; the sign-out's INSERT waits for this transaction.
    const holder = await db.sql.reserve();
    try {
      await holder`BEGIN`;
      await holder`LOCK TABLE dashboard_revoked_sessions IN EXCLUSIVE MODE`;
      const res = await fetch(`${http.base}/sign-out`, {
        method: "POST",
        headers: { ...FORM, cookie },
        body: new URLSearchParams({ _csrf: csrf }),
        redirect: "manual",
        signal: AbortSignal.timeout(30_000), // a guard against the hang, not a measure
      });
      const text = await res.text();
      assert.equal(res.status, 504, text);
      assert.match(text, /did not confirm/);
      assert.match(res.headers.get("set-cookie") ?? "", /Max-Age=0/, "this browser is signed out");
    } finally {
      await holder`ROLLBACK`;
      holder.release();
    }
  },
});

/**
 * The dashboard over HTTP, without a browser: who may read and change what (sign-in, forged,
 * expired and foreign cookies, CSRF, public reads, no ADMIN_TOKEN), errors as pages, names
 * escaped, and two replicas on one database showing the same jobs.
 */
import assert from "node:assert/strict";
import { createLogger } from "../actors/log.ts";
import { createRegistry } from "../actors/metrics.ts";
import type { Runtime } from "../actors/runtime.ts";
import { createApp } from "../routes/app.ts";
import { runtimeMetrics } from "../routes/metrics.ts";
import { createReadiness } from "../routes/readiness.ts";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";
import { community } from "./fakes/community.ts";
import { csrfOf, FORM, signIn as postSignIn } from "./fakes/dashboard_session.ts";
import { serve } from "./fakes/http.ts";
import { dbRuntime, job } from "./fakes/runtime.ts";

const TOKEN = "dashboard-token-0123456789";

function dashboard(
  runtime: Runtime,
  sql: import("postgres").Sql,
  o: { adminToken?: string; publicReads?: boolean; now?: () => Date } = {},
) {
  const readiness = createReadiness({ ping: () => sql`SELECT 1`, clock: fakeClock() });
  readiness.markMigrated();
  readiness.markStarted();
  return serve(createApp({
    runtime,
    readiness,
    log: createLogger({ level: "silent" }),
    metrics: runtimeMetrics(createRegistry(), runtime, readiness),
    adminToken: o.adminToken,
    sql,
    dashboard: { publicReads: o.publicReads, now: o.now, refreshMs: 0 },
  }));
}

/** Signs in over HTTP: the cookie header and the CSRF token of the session. */
async function signIn(base: string, token = TOKEN) {
  const session = await postSignIn(base, token, "Ops");
  return { ...session, csrf: await csrfOf(base, session.cookie) };
}

async function post(base: string, path: string, cookie: string, fields: Record<string, string>) {
  const res = await fetch(base + path, {
    method: "POST",
    headers: { ...FORM, cookie },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
  return { status: res.status, location: res.headers.get("location"), text: await res.text() };
}

Deno.test("dashboard: sign-in, sessions, CSRF, public reads and errors over HTTP", async (t) => {
  await using db = await testDatabase();
  await community(db.sql, { id: -5, title: "<script>alert(1)</script> club" }, [
    { user: 7, xp: 10, name: "<img src=x onerror=alert(1)>" },
  ]);
  let now = new Date();
  const clock = () => now;
  await using rt = dbRuntime(db.url, [job({ name: "sweep", run: () => Promise.resolve({}) })], {
    node: "a",
  });
  rt.runtime.start();
  await using http = dashboard(rt.runtime, db.sql, { adminToken: TOKEN, now: clock });
  const get = (path: string, cookie = "") =>
    fetch(http.base + path, { headers: { cookie }, redirect: "manual" });

  await t.step("signed out: pages send to the sign-in, forms are refused", async () => {
    const res = await get("/jobs/sweep?outcome=failed");
    await res.body?.cancel();
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/sign-in?next=%2Fjobs%2Fsweep%3Foutcome%3Dfailed");
    const pause = await post(http.base, "/jobs/sweep/pause", "", {});
    assert.equal(pause.status, 403);
    assert.match(pause.text, /Changing anything needs a signed-in session/);
  });

  await t.step(
    "a wrong token is 401 with no cookie; the right one a strict HttpOnly cookie",
    async () => {
      const wrong = await signIn(http.base, "x".repeat(TOKEN.length));
      assert.equal(wrong.res.status, 401);
      assert.equal(wrong.set, "");
      const ok = await signIn(http.base);
      assert.equal(ok.res.status, 303);
      assert.match(ok.set, /HttpOnly/);
      assert.match(ok.set, /SameSite=Strict/);
      assert.match(ok.set, /Max-Age=43200/);
      assert.doesNotMatch(ok.set, /Secure/, "plain http: no Secure flag");
      assert.ok(ok.csrf.length > 20);
      const behindTls = await fetch(`${http.base}/sign-in`, {
        method: "POST",
        headers: { ...FORM, "x-forwarded-proto": "https" },
        body: new URLSearchParams({ token: TOKEN }),
        redirect: "manual",
      });
      await behindTls.body?.cancel();
      assert.match(behindTls.headers.get("set-cookie") ?? "", /Secure/);
    },
  );

  await t.step("forged, foreign, expired cookies and foreign CSRF tokens are refused", async () => {
    const a = await signIn(http.base);
    const b = await signIn(http.base);
    assert.notEqual(a.csrf, b.csrf, "each session has its own CSRF token");
    const [name, value] = a.cookie.split("=");
    const forged = `${name}=${value.replace(/.$/, (ch) => (ch === "A" ? "B" : "A"))}`;
    const far = `${name}=${value.replace(/^\d+/, String(Date.now() + 1e12))}`;
    for (const cookie of [forged, far]) {
      const res = await get("/", cookie);
      await res.body?.cancel();
      assert.equal(res.status, 303, `${cookie} is not a session`);
    }
    await using other = dashboard(rt.runtime, db.sql, { adminToken: `${TOKEN}-rotated` });
    const foreign = await fetch(`${other.base}/`, {
      headers: { cookie: a.cookie },
      redirect: "manual",
    });
    await foreign.body?.cancel();
    assert.equal(foreign.status, 303, "a new ADMIN_TOKEN signs everyone out");

    const crossed = await post(http.base, "/jobs/sweep/pause", a.cookie, { _csrf: b.csrf });
    assert.equal(crossed.status, 403);
    assert.match(crossed.text, /does not belong to this session/);
    const none = await post(http.base, "/jobs/sweep/pause", a.cookie, {});
    assert.match(none.text, /carried no CSRF token/);
    const [state] = await db.sql`SELECT count(*)::int AS n FROM job_state WHERE paused`;
    assert.equal(state.n, 0, "nothing was paused");

    now = new Date(Date.now() + 13 * 3_600_000); // past DASHBOARD_SESSION_HOURS (12)
    const expired = await get("/", a.cookie);
    await expired.body?.cancel();
    assert.equal(expired.status, 303);
    now = new Date();
  });

  await t.step("a form with its token works and comes back with a notice", async () => {
    const s = await signIn(http.base);
    const paused = await post(http.base, "/jobs/sweep/pause", s.cookie, {
      _csrf: s.csrf,
      back: "/jobs/sweep",
    });
    assert.equal(paused.status, 303);
    assert.equal(paused.location, "/jobs/sweep");
    const [state] = await db.sql`SELECT paused FROM job_state WHERE job = 'sweep'`;
    assert.equal(state.paused, true);
    const evil = await post(http.base, "/jobs/sweep/resume", s.cookie, {
      _csrf: s.csrf,
      back: "//evil.example/steal",
    });
    assert.equal(evil.location, "/", "back never leaves the site");
    const next = await fetch(
      `${http.base}/sign-in?next=${encodeURIComponent("https://evil.example")}`,
      {
        headers: { cookie: s.cookie },
        redirect: "manual",
      },
    );
    await next.body?.cancel();
    assert.equal(next.headers.get("location"), "/");
  });

  await t.step("errors are pages that name the problem; names are escaped", async () => {
    const { cookie } = await signIn(http.base);
    const cases: Array<[string, number, RegExp]> = [
      ["/jobs/nope", 404, /unknown job|No such job|nope/i],
      ["/jobs/sweep?outcome=won", 400, /outcome &quot;won&quot;: expected one of running/],
      ["/jobs/sweep?before=yesterday", 400, /expected a page link/],
      ["/chats/abc", 400, /chat must be a numeric Telegram id/],
      ["/chats/-99", 404, /unknown chat -99/],
      ["/chats/-5?period=year", 400, /period &quot;year&quot;/],
      ["/chats/-5/members/8", 404, /unknown member 8 in chat -5/],
      [
        "/outbox?before=x",
        400,
        /before must be a positive whole number \(a notification number\), got &quot;x&quot;/,
      ],
      // A page before row 0 would be empty, not "no more rows": refused like any other bad id.
      ["/outbox?before=0", 400, /before must be a positive whole number/],
      ["/outbox?before=007", 400, /before must be a positive whole number/],
    ];
    for (const [path, status, text] of cases) {
      const res = await get(path, cookie);
      const body = await res.text();
      assert.equal(res.status, status, path);
      assert.match(res.headers.get("content-type") ?? "", /text\/html/, path);
      assert.match(body, text, path);
    }
    // Not a UUID after the "~", though 36 characters of the UUID alphabet.
    for (const id of ["a".repeat(36), "-".repeat(36)]) {
      const res = await get(`/jobs/sweep?before=2026-01-01T00:00:00Z~${id}`, cookie);
      assert.equal(res.status, 400, id);
      assert.match(await res.text(), /expected a page link/);
    }
    const search = await get("/chats/-5?q=%00%3Cimg", cookie); // a NUL in the search: no one's name
    assert.equal(search.status, 200);
    assert.match(await search.text(), /&lt;img src=x/);
    for (const path of ["/chats", "/chats/-5?q=%3Cimg", "/chats/-5/members/7"]) {
      const body = await (await get(path, cookie)).text();
      assert.doesNotMatch(body, /<script>alert|<img src=x/, `${path} escapes names`);
      assert.match(body, /&lt;(script|img)/, path);
    }
  });
});

Deno.test("dashboard: a body over 1 MiB is refused before it is read; a form's bad reason changes nothing", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -5, title: "Club" }, [{ user: 7, xp: 10, name: "Ana" }]);
  await using rt = dbRuntime(db.url, [], { node: "a" });
  await using http = dashboard(rt.runtime, db.sql, { adminToken: TOKEN });
  const big = "token=" + "x".repeat(2 * 1024 * 1024);
  const sized = await fetch(`${http.base}/sign-in`, { method: "POST", headers: FORM, body: big });
  assert.equal(sized.status, 413);
  assert.match((await sized.json()).error, /^request body over 1048576 bytes/);
  // Without a length (chunked), it is counted as it comes: tests/body_limit_test.ts.

  const s = await signIn(http.base);
  const res = await fetch(`${http.base}/chats/-5/members/7/xp`, {
    method: "POST",
    headers: { ...FORM, cookie: s.cookie },
    body: new URLSearchParams({
      _csrf: s.csrf,
      amount: "5",
      reason: "a\u0000b",
      direction: "give",
    }),
    redirect: "manual",
  });
  await res.body?.cancel();
  assert.equal(res.status, 303);
  assert.match(
    decodeURIComponent(res.headers.get("set-cookie") ?? ""),
    /Nothing changed: reason: control character U\+0000 not allowed/,
  );
  const [{ xp }] = await db.sql`SELECT xp::int FROM members WHERE user_id = 7`;
  assert.equal(xp, 10);
});

Deno.test("dashboard: without ADMIN_TOKEN it says how to enable sign-in; public reads are read-only", async () => {
  await using db = await testDatabase();
  await using rt = dbRuntime(db.url, [job({ name: "sweep", run: () => Promise.resolve({}) })], {
    node: "a",
  });
  rt.runtime.start();
  await using closed = dashboard(rt.runtime, db.sql);
  const page = await fetch(`${closed.base}/sign-in`);
  assert.equal(page.status, 403);
  const text = await page.text();
  assert.match(text, /sign-in is off because ADMIN_TOKEN is not set/);
  assert.match(text, /DASHBOARD_PUBLIC_READS=true/);
  const jobs = await fetch(`${closed.base}/`, { redirect: "manual" });
  await jobs.body?.cancel();
  assert.equal(jobs.status, 303);

  await using open = dashboard(rt.runtime, db.sql, { publicReads: true });
  const read = await fetch(`${open.base}/`);
  const html = await read.text();
  assert.equal(read.status, 200);
  assert.match(html, /data-job="sweep"/);
  assert.doesNotMatch(html, /name="_csrf"/, "no forms for a reader");
  assert.match(html, /Sign in/);
  const write = await post(open.base, "/jobs/sweep/run", "", {});
  assert.equal(write.status, 403);
});

Deno.test("dashboard: two replicas on one database show the same jobs; a pause on one shows on the other", async () => {
  await using db = await testDatabase();
  const jobs = [job({ name: "sweep", run: () => Promise.resolve({ processed: 1 }) })];
  await using a = dbRuntime(db.url, jobs, { node: "replica-a" });
  await using b = dbRuntime(db.url, jobs, { node: "replica-b" });
  a.runtime.start();
  b.runtime.start();
  await using httpA = dashboard(a.runtime, db.sql, { adminToken: TOKEN });
  await using httpB = dashboard(b.runtime, db.sql, { adminToken: TOKEN });
  const s = await signIn(httpA.base);
  const onB = await fetch(`${httpB.base}/`, { headers: { cookie: s.cookie } });
  assert.equal(onB.status, 200, "one sign-in is good on every replica");
  await onB.body?.cancel();
  const paused = await post(httpA.base, "/jobs/sweep/pause", s.cookie, { _csrf: s.csrf });
  assert.equal(paused.status, 303);
  const page = await fetch(`${httpB.base}/`, { headers: { cookie: s.cookie } }).then((r) =>
    r.text()
  );
  assert.match(page, /data-job="sweep" data-status="paused"/);
});

/**
 * The dashboard's Run now form carries a one-time id, as the XP form does: the same form sent
 * twice (a double click, a resend after a lost answer, the page posted to the other replica)
 * queues one run and says the second time that it was sent already.
 */
import assert from "node:assert/strict";
import { retentionJob } from "../domain/retention.ts";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";
import { runJob } from "./fakes/community.ts";
import { postForm, signIn } from "./fakes/dashboard_session.ts";
import { ready, serveApp } from "./fakes/http.ts";
import { dbRuntime, gate, job } from "./fakes/runtime.ts";

const TOKEN = "dashboard-token-0123456789";

/** The hidden fields of the jobs page's Run now form for `name`. */
async function runForm(base: string, cookie: string, name: string) {
  const page = await fetch(`${base}/`, { headers: { cookie } }).then((r) => r.text());
  const form = new RegExp(`<form method="post" action="/jobs/${name}/run"[^]*?</form>`)
    .exec(page)?.[0] ?? "";
  const hidden: Record<string, string> = {};
  for (const m of form.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    hidden[m[1]] = m[2];
  }
  assert.ok(hidden._csrf, "the page has the Run now form");
  return hidden;
}

async function post(base: string, cookie: string, path: string, fields: Record<string, string>) {
  const res = await postForm(base, cookie, path, fields);
  const text = await res.text();
  const set = res.headers.get("set-cookie") ?? "";
  return {
    status: res.status,
    text,
    notice: decodeURIComponent(/warden_notice=([^;]*)/.exec(set)?.[1] ?? ""),
  };
}

Deno.test("Run now sent twice (double click, resend, the other replica) queues one run", async (t) => {
  await using db = await testDatabase();
  const g = gate();
  // One waiting run fills the mailbox: a second queued run would make the next Run now a 429.
  const jobs = () => [job({ name: "slow", run: g.run })];
  await using a = dbRuntime(db.url, jobs(), { node: "replica-a", commandLimit: 1 });
  await using b = dbRuntime(db.url, jobs(), { node: "replica-b", commandLimit: 1 });
  a.runtime.start();
  const opts = { adminToken: TOKEN, dashboard: { refreshMs: 0 } };
  await using httpA = serveApp(a.runtime, ready(fakeClock()), { ...opts, sql: a.sql });
  await using httpB = serveApp(b.runtime, ready(fakeClock()), { ...opts, sql: b.sql });
  const cookie = (await signIn(httpA.base, TOKEN)).cookie;
  const form = await runForm(httpA.base, cookie, "slow");
  assert.match(form.form ?? "", /^[0-9a-f-]{36}$/, "the Run now form has its own id");

  await t.step("the first send queues a run", async () => {
    const first = await post(httpA.base, cookie, "/jobs/slow/run", form);
    assert.equal(first.status, 303);
    assert.match(first.notice, /^Queued a run of slow \(run [0-9a-f]{8}\)\.$/);
    await g.entered();
  });

  await t.step("the same form again, on either replica, queues nothing and says so", async () => {
    const runId = await post(httpA.base, cookie, "/jobs/slow/run", form);
    assert.equal(runId.status, 303);
    assert.match(
      runId.notice,
      /^Nothing changed: this Run now was sent already \(run [0-9a-f]{8}\)\.$/,
    );
    const other = await post(httpB.base, cookie, "/jobs/slow/run", form);
    assert.equal(other.status, 303);
    assert.match(other.notice, /^Nothing changed: this Run now was sent already/);
  });

  await t.step("a fresh form still queues (the mailbox had no duplicate in it)", async () => {
    const fresh = await post(
      httpA.base,
      cookie,
      "/jobs/slow/run",
      await runForm(httpA.base, cookie, "slow"),
    );
    assert.equal(fresh.status, 303, fresh.text.slice(0, 300));
    assert.match(fresh.notice, /^Queued a run of slow/);
  });

  await t.step("a damaged form id is refused, naming the problem", async () => {
    const bad = await post(httpA.base, cookie, "/jobs/slow/run", { ...form, form: "not-an-id" });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /form is damaged/);
  });
  g.release();
  await g.entered();
  g.release();

  await t.step("retention-cleanup forgets a sent form after a day", async () => {
    const forms = async () =>
      (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM dashboard_forms`)[0].n;
    const [{ expires }] = await db.sql<{ expires: Date }[]>`
      SELECT max(expires_at) AS expires FROM dashboard_forms`;
    const days = {
      outboxDays: 7,
      runHistoryDays: 30,
      eventsDays: 90,
      quizDays: 30,
      metricsDays: 90,
    };
    await runJob(retentionJob(days), db.sql, new Date(expires.getTime() - 60_000));
    assert.equal(await forms(), 2, "kept while a resend could still come");
    await runJob(retentionJob(days), db.sql, new Date(expires.getTime() + 60_000));
    assert.equal(await forms(), 0, "forgotten after a day");
  });
});

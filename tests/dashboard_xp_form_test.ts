/**
 * The dashboard's Give / Take XP form over HTTP on two replicas of one database: what the notice
 * says for a take that found nothing to take, and a form sent twice (a double click, a resend
 * after a lost answer, the same page posted to the other replica) moving XP once.
 */
import assert from "node:assert/strict";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";
import { community } from "./fakes/community.ts";
import { FORM, signIn as postSignIn } from "./fakes/dashboard_session.ts";
import { ready, serveApp } from "./fakes/http.ts";
import { dbRuntime } from "./fakes/runtime.ts";

const TOKEN = "dashboard-token-0123456789";
const PAGE = "/chats/-5/members/7";

async function signIn(base: string, name = "Ops") {
  const { res, cookie } = await postSignIn(base, TOKEN, name);
  assert.equal(res.status, 303, `signing in as ${JSON.stringify(name)}`);
  return cookie;
}

/** The member page's XP form: every hidden field it carries, by name. */
async function xpForm(base: string, cookie: string): Promise<Record<string, string>> {
  const page = await fetch(base + PAGE, { headers: { cookie } }).then((r) => r.text());
  const form = /<form method="post" action="[^"]*\/xp"[^]*?<\/form>/.exec(page)?.[0] ?? "";
  const hidden: Record<string, string> = {};
  for (const m of form.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    hidden[m[1]] = m[2];
  }
  assert.ok(hidden._csrf, "the page has the XP form");
  return hidden;
}

/** Posts the form; the one-shot notice it set. */
async function send(base: string, cookie: string, fields: Record<string, string>) {
  const res = await fetch(`${base}${PAGE}/xp`, {
    method: "POST",
    headers: { ...FORM, cookie },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
  await res.body?.cancel();
  assert.equal(res.status, 303);
  const set = res.headers.get("set-cookie") ?? "";
  return decodeURIComponent(/warden_notice=([^;]*)/.exec(set)?.[1] ?? "");
}

async function replicas() {
  const db = await testDatabase();
  await community(db.sql, { id: -5, title: "Club" }, [{ user: 7, xp: 10, name: "Ana" }]);
  const a = dbRuntime(db.url, [], { node: "replica-a" });
  const b = dbRuntime(db.url, [], { node: "replica-b" });
  const opts = { adminToken: TOKEN, dashboard: { refreshMs: 0 } };
  const httpA = serveApp(a.runtime, ready(fakeClock()), { ...opts, sql: a.sql });
  const httpB = serveApp(b.runtime, ready(fakeClock()), { ...opts, sql: b.sql });
  return {
    db,
    httpA,
    httpB,
    async [Symbol.asyncDispose]() {
      await httpA[Symbol.asyncDispose]();
      await httpB[Symbol.asyncDispose]();
      await a[Symbol.asyncDispose]();
      await b[Symbol.asyncDispose]();
      await db[Symbol.asyncDispose]();
    },
  };
}

Deno.test("dashboard XP form: a take that finds nothing to take says so, not 'Gave 0 XP'", async () => {
  await using r = await replicas();
  const cookie = await signIn(r.httpA.base);
  const take = { amount: "10", reason: "spam", direction: "take" };
  assert.match(
    await send(r.httpA.base, cookie, { ...await xpForm(r.httpA.base, cookie), ...take }),
    /^Took 10 XP: the balance is now 0 XP\.$/,
  );
  const notice = await send(r.httpA.base, cookie, {
    ...await xpForm(r.httpA.base, cookie),
    ...take,
  });
  assert.match(notice, /^Took nothing: the balance was 0 XP already\.$/);
});

Deno.test("dashboard XP form: the same form sent twice, to one replica or both, moves XP once", async () => {
  await using r = await replicas();
  const cookie = await signIn(r.httpA.base);
  const give = { ...await xpForm(r.httpA.base, cookie), amount: "5", reason: "meetup" };
  const first = await send(r.httpA.base, cookie, { ...give, direction: "give" });
  assert.match(first, /^Gave 5 XP: the balance is now 15 XP\.$/);
  const again = await send(r.httpB.base, cookie, { ...give, direction: "give" });
  assert.match(again, /^Nothing changed: this form was sent already/);

  // A double click: both at once, one on each replica.
  const twice = { ...await xpForm(r.httpB.base, cookie), amount: "3", reason: "x" };
  const both = await Promise.all([
    send(r.httpA.base, cookie, { ...twice, direction: "give" }),
    send(r.httpB.base, cookie, { ...twice, direction: "give" }),
  ]);
  assert.equal(both.filter((n) => n.startsWith("Gave 3 XP")).length, 1, both.join(" | "));
  const [{ xp, moves }] = await r.db.sql<{ xp: number; moves: number }[]>`
    SELECT m.xp::int, (SELECT count(*)::int FROM xp_ledger l
                        WHERE l.user_id = 7 AND l.reason = 'admin') AS moves
    FROM members m WHERE m.chat_id = -5 AND m.user_id = 7`;
  assert.deepEqual({ xp, moves }, { xp: 18, moves: 2 });
});

Deno.test("dashboard XP form: a name with combining marks (Hindi, a decomposed é) signs in and authors the move", async () => {
  await using r = await replicas();
  // अनिल: ि is a vowel sign (a mark, not a letter); "Jose\u0301" is how some keyboards write José.
  for (const [name, author] of [["अनिल", "dashboard:अनिल"], ["Jose\u0301", "dashboard:José"]]) {
    const cookie = await signIn(r.httpA.base, name);
    const form = await xpForm(r.httpA.base, cookie);
    const notice = await send(r.httpA.base, cookie, {
      ...form,
      amount: "1",
      reason: "helped",
      direction: "give",
    });
    assert.match(notice, /^Gave 1 XP/);
    const [row] = await r.db.sql<{ author: string }[]>`
      SELECT author FROM xp_ledger WHERE user_id = 7 ORDER BY id DESC LIMIT 1`;
    assert.equal(row.author, author);
  }
  const zalgo = await fetch(`${r.httpA.base}/sign-in`, {
    method: "POST",
    headers: FORM,
    body: new URLSearchParams({ token: TOKEN, name: "a" + "\u0301".repeat(45) }),
    redirect: "manual",
  });
  await zalgo.body?.cancel();
  assert.equal(zalgo.status, 400, "at most 40 characters, marks counted");
});

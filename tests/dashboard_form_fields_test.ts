/**
 * The dashboard's forms read only as forms: a field sent twice (two directions, two amounts:
 * which one did the operator mean?) and a body that is not a form are refused with a page naming
 * the problem, and nothing changes. Before, the last of two values won silently, and a JSON or
 * plain-text body was refused as "no CSRF token".
 */
import assert from "node:assert/strict";
import { testDatabase } from "./db.ts";
import { community } from "./fakes/community.ts";
import { csrfOf, FORM, signedInApp } from "./fakes/dashboard_session.ts";

const TOKEN = "dashboard-token-0123456789";
const PAGE = "/chats/-5/members/7";

Deno.test("dashboard forms: a field sent twice, or a body that is not a form, is refused by name; nothing moves", async (t) => {
  await using db = await testDatabase();
  await community(db.sql, { id: -5, title: "Club" }, [{ user: 7, xp: 10, name: "Ana" }]);
  await using http = await signedInApp(db.sql, TOKEN);
  const { cookie } = http;
  const csrf = await csrfOf(http.base, cookie, PAGE);
  assert.ok(csrf);
  const balance = async () =>
    (await db.sql<{ xp: number }[]>`SELECT xp::int FROM members WHERE user_id = 7`)[0].xp;
  const send = async (body: string, type?: string) => {
    const res = await fetch(`${http.base}${PAGE}/xp`, {
      method: "POST",
      headers: type === undefined ? { cookie } : { "content-type": type, cookie },
      body: new TextEncoder().encode(body),
      redirect: "manual",
    });
    return { status: res.status, text: await res.text() };
  };
  const fields = (extra: string) => `_csrf=${csrf}&reason=cleanup&${extra}`;

  await t.step("a field sent twice", async () => {
    for (
      const [extra, field] of [
        ["amount=1&direction=take&direction=give", "direction"],
        ["amount=1000000&amount=1&direction=give", "amount"],
        [`amount=1&direction=give&_csrf=${csrf}`, "_csrf"],
      ]
    ) {
      const r = await send(fields(extra), FORM["content-type"]);
      assert.equal(r.status, 400, extra);
      assert.match(r.text, new RegExp(`the form sent &quot;${field}&quot; more than once`));
      assert.equal(await balance(), 10, "nothing moved");
    }
  });

  await t.step("a body that is not a form", async () => {
    for (
      const [type, shown] of [
        ["application/json", "application/json"],
        ["text/plain;charset=UTF-8", "text/plain"],
        [undefined, "no content type"],
      ] as const
    ) {
      const r = await send(fields("amount=1&direction=give"), type);
      assert.equal(r.status, 415, String(type));
      assert.match(r.text, /expected a form \(application\/x-www-form-urlencoded or multipart/);
      assert.ok(r.text.includes(shown), `names ${shown}`);
      assert.equal(await balance(), 10, "nothing moved");
    }
  });

  await t.step("the sign-in form, likewise: not 'that token does not match'", async () => {
    const signInWith = async (body: string, type: string) => {
      const res = await fetch(`${http.base}/sign-in`, {
        method: "POST",
        headers: { "content-type": type },
        body,
        redirect: "manual",
      });
      return { status: res.status, text: await res.text(), set: res.headers.get("set-cookie") };
    };
    const json = await signInWith(JSON.stringify({ token: TOKEN }), "application/json");
    assert.equal(json.status, 415);
    assert.match(json.text, /expected a form .*got &quot;application\/json&quot;/);
    assert.equal(json.set, null, "no session");
    const twice = await signInWith(`token=${TOKEN}&token=wrong`, FORM["content-type"]);
    assert.equal(twice.status, 400);
    assert.match(twice.text, /the form sent &quot;token&quot; more than once/);
    assert.equal(twice.set, null, "no session");
  });

  await t.step("the same form, sent once as a form, moves XP", async () => {
    const r = await send(fields("amount=1&direction=give"), FORM["content-type"]);
    assert.equal(r.status, 303);
    assert.equal(await balance(), 11);
  });
});

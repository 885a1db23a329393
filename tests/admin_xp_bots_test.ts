/**
 * Bots earn no XP: an admin's give to a bot account is refused, by the domain (`BotMember`),
 * the API (409), the bot's /givexp (in the admin's language) and the dashboard, with nothing
 * stored. Taking or resetting a bot's XP (cleaning up) stays allowed.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { createLogger } from "../actors/log.ts";
import { adjustXp, BotMember, resetXp } from "../domain/admin_xp.ts";
import { adminApiRoutes } from "../routes/admin_api.ts";
import { errorHandler } from "../routes/errors.ts";
import { testDatabase } from "./db.ts";
import { adminGroup, boss, GROUP, jefa } from "./fakes/admin_group.ts";
import { fakeClock } from "./fakes/clock.ts";
import { community } from "./fakes/community.ts";
import { csrfOf, FORM, signIn } from "./fakes/dashboard_session.ts";
import { ready, serve, serveApp } from "./fakes/http.ts";
import { dbRuntime } from "./fakes/runtime.ts";

const TOKEN = "s3cret-admin-token-0123";
const HELPER = 99; // a bot account, member of the chat

async function chatWithBot(sql: import("postgres").Sql, chat = -1) {
  await community(sql, { id: chat, title: "Club" }, [
    { user: 7, xp: 10, name: "Ana" },
    { user: HELPER, xp: 40, name: "Helper" },
  ]);
  await sql`UPDATE members SET is_bot = true, username = 'helper_bot' WHERE user_id = ${HELPER}`;
}
const stored = async (sql: import("postgres").Sql) =>
  (await sql`
    SELECT (SELECT xp::int FROM members WHERE user_id = ${HELPER}) AS xp,
           (SELECT count(*)::int FROM xp_ledger WHERE user_id = ${HELPER}) AS ledger,
           (SELECT count(*)::int FROM admin_actions WHERE user_id = ${HELPER}) AS audits`)[0];

Deno.test("a give to a bot is refused with BotMember and stores nothing; a take and a reset stay allowed", async () => {
  await using db = await testDatabase();
  await chatWithBot(db.sql);
  const move = { chatId: -1, userId: HELPER, author: "ana" };
  await assert.rejects(
    adjustXp(db.sql, { ...move, amount: 5, reason: "good bot" }),
    (error: Error) => {
      assert.ok(error instanceof BotMember);
      assert.equal(error.message, "member 99 in chat -1 is a bot: bots earn no XP");
      return true;
    },
  );
  assert.deepEqual({ ...await stored(db.sql) }, { xp: 40, ledger: 0, audits: 0 });
  assert.equal((await adjustXp(db.sql, { ...move, amount: -15, reason: "cleanup" })).xp, 25);
  assert.equal((await resetXp(db.sql, { ...move, reason: "cleanup" })).xp, 0);
  assert.equal((await adjustXp(db.sql, { ...move, userId: 7, amount: 5, reason: "ok" })).xp, 15);
});

Deno.test("POST /api/…/xp giving to a bot answers 409 naming the problem", async () => {
  await using db = await testDatabase();
  await chatWithBot(db.sql);
  const app = new Hono().route("/api", adminApiRoutes({ sql: db.sql, adminToken: TOKEN }));
  app.onError(errorHandler(createLogger({ level: "silent" })));
  await using http = serve(app);
  const res = await http.get(`/api/chats/-1/members/${HELPER}/xp`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ amount: 5, reason: "good bot" }),
  });
  assert.deepEqual(res, {
    status: 409,
    body: { error: "member 99 in chat -1 is a bot: bots earn no XP" },
  });
  assert.deepEqual({ ...await stored(db.sql) }, { xp: 40, ledger: 0, audits: 0 });
});

Deno.test("/givexp to a bot answers in the admin's language and changes nothing; /resetxp works", async () => {
  await using g = await adminGroup();
  await g.sql`
    INSERT INTO members (chat_id, user_id, display_name, username, is_bot, xp)
    VALUES (${GROUP}, ${HELPER}, 'Helper', 'helper_bot', true, 40)`;
  assert.equal(
    await g.say(boss, "/givexp @helper_bot 50 good bot"),
    "⚠️ @helper_bot is a bot: bots earn no XP.",
  );
  assert.equal(
    await g.say(jefa, "/givexp @helper_bot 50 buen bot"),
    "⚠️ @helper_bot es un bot: los bots no ganan XP.",
  );
  assert.equal(await g.xpOf(HELPER), 40);
  assert.equal(await g.count("xp_ledger"), 0);
  assert.equal(await g.count("admin_actions"), 0);
  assert.match(await g.say(boss, "/resetxp @helper_bot"), /^✅/);
  assert.equal(await g.xpOf(HELPER), 0);
});

Deno.test("the dashboard offers no Give on a bot's page (Take stays); a give posted anyway says why and changes nothing", async () => {
  await using db = await testDatabase();
  await chatWithBot(db.sql, -5);
  await using rt = dbRuntime(db.url, [], { node: "a" });
  await using http = serveApp(rt.runtime, ready(fakeClock(), () => db.sql`SELECT 1`), {
    adminToken: TOKEN,
    sql: db.sql,
    dashboard: { refreshMs: 0 },
  });
  const { cookie } = await signIn(http.base, TOKEN, "Ops");
  const csrf = await csrfOf(http.base, cookie);
  const memberPage = (user: number) =>
    fetch(`${http.base}/chats/-5/members/${user}`, { headers: { cookie } }).then((r) => r.text());
  const person = await memberPage(7);
  assert.match(person, /<h2>Give or take XP<\/h2>/);
  assert.match(person, /name="direction" value="give"/);
  const bot = await memberPage(HELPER);
  assert.doesNotMatch(bot, /value="give"/, "no Give button on a bot's page");
  assert.doesNotMatch(bot, /Give or take XP/);
  assert.match(bot, /<h2>Take XP<\/h2>/);
  assert.match(bot, /Bots earn no XP/);
  assert.match(bot, /name="direction" value="take"/, "taking a bot's XP (cleaning up) stays");
  const res = await fetch(`${http.base}/chats/-5/members/${HELPER}/xp`, {
    method: "POST",
    headers: { ...FORM, cookie },
    body: new URLSearchParams({ _csrf: csrf, amount: "5", reason: "good bot", direction: "give" }),
    redirect: "manual",
  });
  await res.body?.cancel();
  assert.equal(res.status, 303);
  assert.match(
    decodeURIComponent(res.headers.get("set-cookie") ?? ""),
    /Nothing changed: member 99 in chat -5 is a bot: bots earn no XP\./,
  );
  assert.deepEqual({ ...await stored(db.sql) }, { xp: 40, ledger: 0, audits: 0 });
});

// The Telegram webhook on the real app: the secret, replies that fail, updates the bot cannot read,
// the database down during an award. The start's side (menu, registration) is
// tests/webhook_setup_test.ts.
import assert from "node:assert/strict";
import type postgres from "postgres";
import { createLogger } from "../actors/log.ts";
import { createRegistry } from "../actors/metrics.ts";
import { createBot } from "../bot/bot.ts";
import { connectClient } from "../db/connect.ts";
import { levelUpsJob } from "../domain/level_ups.ts";
import { createApp } from "../routes/app.ts";
import { runtimeMetrics } from "../routes/metrics.ts";
import { createReadiness } from "../routes/readiness.ts";
import { testDatabase, type TestDb } from "./db.ts";
import { type BotApiDouble, botApiDouble } from "./fakes/bot_api.ts";
import { fakeClock } from "./fakes/clock.ts";
import { serve } from "./fakes/http.ts";
import { dbRuntime } from "./fakes/runtime.ts";
import { tcpProxy } from "./fakes/tcp_proxy.ts";
import { webhookApp as testWebhookApp, XP } from "./fakes/webhook_app.ts";
import { groupMessage, privateMessage } from "./fakes/updates.ts";
import { MALFORMED } from "./fixtures/malformed_updates.ts";

const SECRET = "webhook-secret-123";
const ADMIN = 77;
const ana = { id: 11, name: "Ana", username: "ana" };
const boss = { id: ADMIN, name: "Boss", username: "boss" };
const t0 = new Date("2026-06-01T10:00:00Z");

/**
 * The app with its webhook, a bot on the Bot API double and a runtime with `level-ups`
 * (so `/pause level-ups` has something to pause). `sql` is the bot's database client.
 */
const webhookApp = (
  db: TestDb,
  api: BotApiDouble,
  o: { secretToken?: string; sql?: postgres.Sql } = {},
) =>
  testWebhookApp(db, api, {
    secret: SECRET,
    secretToken: o.secretToken,
    sql: o.sql,
    adminUserIds: [ADMIN],
    jobs: [levelUpsJob({ batchSize: 100, notify: false })],
  });

const xpOf = async (db: TestDb, user: number) =>
  (await db.sql`SELECT xp FROM members WHERE user_id = ${user}`).map((m) => m.xp);

/** The updates a forger would send: XP for a made-up member and a pause "from" an admin. */
const forged = () => [
  groupMessage({ chat: -500, from: ana, text: "see https://example.org", messageId: 1, date: t0 }),
  groupMessage({ chat: -500, from: boss, text: "/pause level-ups", messageId: 2, date: t0 }),
];

Deno.test("a forged update without the secret or with a wrong one gets 401 with a JSON error and records nothing; the right secret records it", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  await using app = webhookApp(db, api, { secretToken: SECRET });
  const wrong = [null, "", "wrong", SECRET.slice(0, -1), SECRET + "3", SECRET.toUpperCase()];
  for (const secret of wrong) {
    for (const update of forged()) {
      const res = await app.post(update, secret);
      assert.equal(res.status, 401, `secret ${JSON.stringify(secret)}`);
      assert.match(res.type, /application\/json/);
      assert.match(JSON.parse(res.text).error, /X-Telegram-Bot-Api-Secret-Token/);
    }
  }
  assert.deepEqual(await xpOf(db, ana.id), [], "no XP row");
  assert.equal((await app.runtime.task("level-ups")).paused, false, "no pause");
  assert.equal(api.sent.length, 0, "no reply either");

  for (const update of forged()) assert.equal((await app.post(update)).status, 200);
  assert.deepEqual(await xpOf(db, ana.id), [3]);
  assert.equal((await app.runtime.task("level-ups")).paused, true);
});

Deno.test("an update not declared application/json is refused with 415 naming what came, after the secret; nothing is recorded", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  await using app = webhookApp(db, api, { secretToken: SECRET });
  const [award, pause] = forged();
  for (const type of [null, "text/plain", "application/x-www-form-urlencoded", "json"]) {
    for (const update of [award, pause]) {
      const res = await app.post(update, SECRET, type);
      assert.equal(res.status, 415, `${type}`);
      assert.match(res.type, /application\/json/);
      assert.equal(
        JSON.parse(res.text).error,
        `Content-Type must be application/json, got ${type ? `"${type}"` : "none"}`,
      );
      // the secret is checked first: a caller without it learns nothing about the body
      assert.equal((await app.post(update, "wrong", type)).status, 401, `${type}`);
    }
  }
  assert.deepEqual(await xpOf(db, ana.id), [], "no XP row");
  assert.equal((await app.runtime.task("level-ups")).paused, false, "no pause");
  assert.equal(api.calls.filter((c) => c.method !== "getMe").length, 0, "no reply either");
  // a charset, in any case, is still JSON
  assert.equal((await app.post(award, SECRET, "Application/JSON; charset=utf-8")).status, 200);
  assert.deepEqual(await xpOf(db, ana.id), [3]);
});

Deno.test("a webhook mounted without a secret refuses every update with 401", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  await using app = webhookApp(db, api, { secretToken: undefined });
  for (const secret of [null, "", "anything", SECRET]) {
    for (const update of forged()) {
      const res = await app.post(update, secret);
      assert.equal(res.status, 401, `secret ${JSON.stringify(secret)}`);
      assert.match(JSON.parse(res.text).error, /TELEGRAM_WEBHOOK_SECRET/);
    }
  }
  assert.deepEqual(await xpOf(db, ana.id), []);
  assert.equal((await app.runtime.task("level-ups")).paused, false);
});

Deno.test("a reply that fails (403 blocked, 400 too long, 429, a dropped connection) is logged and answered 200; what was recorded stays", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  await using app = webhookApp(db, api, { secretToken: SECRET });

  // A member who blocks the bot right after /start.
  api.block(ana.id);
  const start = privateMessage({ from: ana, text: "/start", messageId: 1, date: t0 });
  assert.equal((await app.post(start)).status, 200);
  const [started] = await db.sql`SELECT user_id FROM bot_users WHERE user_id = ${ana.id}`;
  assert.ok(started, "the /start was recorded");
  assert.ok(
    app.logs.some((l) => /reply failed/.test(l) && /403/.test(l)),
    "the failed reply is logged",
  );

  // A legal 4,096-character command whose answer Telegram refuses.
  const long = `/profile @${"a".repeat(4_096 - "/profile @".length)}`;
  assert.equal(long.length, 4_096);
  api.failNext({ error: { code: 400, description: "Bad Request: message is too long" } });
  const profile = groupMessage({ chat: -500, from: ana, text: long, messageId: 2, date: t0 });
  assert.equal((await app.post(profile)).status, 200);

  for (const error of [{ code: 429, retryAfter: 5 }, { code: 502 }, { network: true as const }]) {
    api.failNext({ error });
    const help = groupMessage({ chat: -500, from: ana, text: "/help", messageId: 3, date: t0 });
    assert.equal((await app.post(help)).status, 200, JSON.stringify(error));
  }
  assert.equal(api.sent.length, 0, "every reply failed");
});

Deno.test("updates the bot cannot read (malformed shapes, unknown types, missing fields) are logged and answered 200", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  await using app = webhookApp(db, api, { secretToken: SECRET });
  const answers = [];
  for (const [name, body] of MALFORMED) answers.push([name, (await app.post(body)).status]);
  assert.deepEqual(answers, MALFORMED.map(([name]) => [name, 200]));
  assert.ok(app.logs.filter((l) => /unreadable update|update failed/.test(l)).length >= 15);
  // Nothing crashed: the next good update is recorded.
  const ok = groupMessage({ chat: -500, from: ana, text: "hello", messageId: 9, date: t0 });
  assert.equal((await app.post(ok)).status, 200);
  assert.deepEqual(await xpOf(db, ana.id), [1]);
});

Deno.test("the database unreachable during an award answers 503 so Telegram redelivers; the redelivery is recorded once", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  const target = new URL(db.url);
  await using proxy = tcpProxy({ hostname: target.hostname, port: Number(target.port || 5432) });
  const sql = connectClient(proxy.via(db.url), { embedded: db.kind === "embedded", max: 1 });
  try {
    await using app = webhookApp(db, api, { secretToken: SECRET, sql });
    const update = groupMessage({
      chat: -500,
      from: ana,
      text: "see https://example.org",
      messageId: 1,
      date: t0,
    });
    await proxy.down();
    const res = await app.post(update);
    assert.equal(res.status, 503);
    assert.match(JSON.parse(res.text).error, /could not be recorded/);
    assert.deepEqual(await xpOf(db, ana.id), []);

    proxy.up();
    assert.equal((await app.post(update)).status, 200);
    assert.equal((await app.post(update)).status, 200, "a second redelivery pays nothing more");
    assert.deepEqual(await xpOf(db, ana.id), [3]);
  } finally {
    await sql.end({ timeout: 5 });
  }
});

Deno.test("a Bot API failing the first getMe: 503 within the wait, so Telegram redelivers; then the update is read", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble();
  // grammY retries a 5xx getMe for ever (50 ms, 100 ms, … apart): nine of them take ≈25 s.
  api.failNext({ method: "getMe", error: { code: 502 }, times: 9 });
  const log = createLogger({ level: "silent" });
  const bot = createBot({
    token: "123456:TEST",
    apiRoot: api.apiRoot,
    sql: db.sql,
    log,
    xp: XP,
    adminUserIds: [],
    runtime: () => undefined,
  });
  const readiness = createReadiness({ ping: () => db.sql`SELECT 1`, clock: fakeClock() });
  await using rt = dbRuntime(db.url, [], { node: "w" });
  await using http = serve(createApp({
    runtime: rt.runtime,
    readiness,
    log,
    metrics: runtimeMetrics(createRegistry(), rt.runtime, readiness),
    webhook: { bot, secretToken: SECRET, initTimeoutMs: 200 },
  }));
  const post = (messageId: number) =>
    http.get("/telegram/webhook", {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
      body: JSON.stringify(
        groupMessage({ chat: -100, from: ana, text: "hi", messageId, date: t0 }),
      ),
    });
  const res = await post(1);
  assert.equal(res.status, 503, JSON.stringify(res.body));
  assert.match(res.body.error, /the bot is not ready: Telegram will redeliver/);
  api.clearFailures(); // the Bot API is back: Telegram's redelivery is read and paid
  assert.equal((await post(1)).status, 200);
  const [paid] = await db.sql`SELECT count(*)::int AS n FROM xp_ledger`;
  assert.equal(paid.n, 1);
});

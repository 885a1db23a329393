import assert from "node:assert/strict";
import type postgres from "postgres";
import { systemClock } from "../actors/clock.ts";
import { createLogger } from "../actors/log.ts";
import { createRegistry } from "../actors/metrics.ts";
import { createBot } from "../bot/bot.ts";
import { COMMAND_MENU, COMMAND_MENU_ES, COMMAND_MENUS, registerBot } from "../bot/setup.ts";
import { createTelegram } from "../bot/telegram.ts";
import { cli } from "../cli.ts";
import { loadConfig } from "../config.ts";
import { connectClient } from "../db/connect.ts";
import { levelUpsJob } from "../domain/level_ups.ts";
import { createApp } from "../routes/app.ts";
import { runtimeMetrics } from "../routes/metrics.ts";
import { createReadiness } from "../routes/readiness.ts";
import { testDatabase, type TestDb } from "./db.ts";
import { type BotApiDouble, botApiDouble } from "./fakes/bot_api.ts";
import { serve } from "./fakes/http.ts";
import { dbRuntime } from "./fakes/runtime.ts";
import { tcpProxy } from "./fakes/tcp_proxy.ts";
import { groupMessage, privateMessage } from "./fakes/updates.ts";

const XP = { perMessage: 1, perLink: 3, perThanks: 5, maxPerMinute: 10 };
const SECRET = "webhook-secret-123";
const ADMIN = 77;
const ana = { id: 11, name: "Ana", username: "ana" };
const boss = { id: ADMIN, name: "Boss", username: "boss" };
const t0 = new Date("2026-06-01T10:00:00Z");

/**
 * The app with its webhook, a bot on the Bot API double and a runtime with `level-ups`
 * (so `/pause level-ups` has something to pause). `sql` is the bot's database client.
 */
function webhookApp(
  db: TestDb,
  api: BotApiDouble,
  o: { secretToken?: string; sql?: postgres.Sql } = {},
) {
  const logs: string[] = [];
  const log = createLogger({ level: "debug", write: (line) => logs.push(line) });
  const r = dbRuntime(db.url, [levelUpsJob({ batchSize: 100, notify: false })], { node: "w" });
  r.runtime.start();
  const bot = createBot({
    token: "123456:TEST",
    apiRoot: api.apiRoot,
    sql: o.sql ?? db.sql,
    log,
    xp: XP,
    adminUserIds: [ADMIN],
    runtime: () => r.runtime,
  });
  const readiness = createReadiness({ ping: () => db.sql`SELECT 1`, clock: r.clock });
  const http = serve(createApp({
    runtime: r.runtime,
    readiness,
    log,
    metrics: runtimeMetrics(createRegistry(), r.runtime, readiness),
    webhook: { bot, secretToken: o.secretToken },
  }));
  const post = async (body: unknown, secret: string | null = SECRET) => {
    const res = await fetch(`${http.base}/telegram/webhook`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(secret === null ? {} : { "x-telegram-bot-api-secret-token": secret }),
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get("content-type") ?? "", text };
  };
  return {
    post,
    logs,
    runtime: r.runtime,
    async [Symbol.asyncDispose]() {
      await http[Symbol.asyncDispose]();
      await r[Symbol.asyncDispose]();
    },
  };
}

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

/** Updates the bot cannot read: each is logged and acknowledged, none crashes anything. */
const MALFORMED: Array<[string, unknown]> = [
  ["not JSON", "{ update_id: 1,"],
  ["null", null],
  ["an array", [{ update_id: 1 }]],
  ["a JSON string", JSON.stringify("just text")],
  ["no update_id", { message: { text: "hi" } }],
  ["update_id a string", { update_id: "7" }],
  ["message a string", { update_id: 1, message: "hello" }],
  ["message null", { update_id: 1, message: null }],
  ["message without chat", { update_id: 1, message: { message_id: 1, date: 1, text: "/start" } }],
  ["chat without id", {
    update_id: 1,
    message: { message_id: 1, date: 1, chat: { type: "group" }, text: "hi" },
  }],
  ["chat id a string", {
    update_id: 1,
    message: {
      message_id: 1,
      date: 1,
      chat: { id: "-5", type: "group" },
      from: { id: 5, is_bot: false, first_name: "X" },
      text: "hi",
    },
  }],
  ["from without id", {
    update_id: 1,
    message: {
      message_id: 1,
      date: 1,
      chat: { id: -5, type: "group" },
      from: { first_name: "X" },
      text: "hi",
    },
  }],
  ["date a string", {
    update_id: 1,
    message: {
      message_id: 1,
      date: "yesterday",
      chat: { id: -5, type: "group" },
      from: { id: 5, is_bot: false, first_name: "X" },
      text: "hi",
    },
  }],
  ["text a number", {
    update_id: 1,
    message: {
      message_id: 1,
      date: 1,
      chat: { id: -5, type: "group" },
      from: { id: 5, is_bot: false, first_name: "X" },
      text: 42,
    },
  }],
  ["entities not an array", {
    update_id: 1,
    message: {
      message_id: 1,
      date: 1,
      chat: { id: -5, type: "group" },
      from: { id: 5, is_bot: false, first_name: "X" },
      text: "/start",
      entities: { type: "bot_command", offset: 0, length: 6 },
    },
  }],
  ["a command entity past the text", {
    update_id: 1,
    message: {
      message_id: 1,
      date: 1,
      chat: { id: 5, type: "private" },
      from: { id: 5, is_bot: false, first_name: "X" },
      text: "/",
      entities: [{ type: "bot_command", offset: 0, length: 90 }],
    },
  }],
  ["a user id past 2^53", {
    update_id: 1,
    message: {
      message_id: 1,
      date: 1,
      chat: { id: -5, type: "group" },
      from: { id: 2 ** 60, is_bot: false, first_name: "X" },
      text: "hi",
    },
  }],
  ["reply_to_message from a string", {
    update_id: 1,
    message: {
      message_id: 1,
      date: 1,
      chat: { id: -5, type: "group" },
      from: { id: 5, is_bot: false, first_name: "X" },
      text: "thanks!",
      reply_to_message: { from: "Y" },
    },
  }],
  ["date missing", { update_id: 1, message: groupPart({ date: undefined }) }],
  ["a date past year 9999", { update_id: 1, message: groupPart({ date: 1e20 }) }],
  ["a fractional user id", {
    update_id: 1,
    message: groupPart({ from: { id: 5.5, is_bot: false, first_name: "X" } }),
  }],
  ["a fractional chat id", {
    update_id: 1,
    message: groupPart({ chat: { id: -5.5, type: "group" } }),
  }],
  ["a null entity", { update_id: 1, message: groupPart({ entities: [null] }) }],
  ["thanks to a reply whose author's id is a string", {
    update_id: 1,
    message: groupPart({
      text: "thanks!",
      reply_to_message: { from: { id: "abc", is_bot: false, first_name: "Y" } },
    }),
  }],
  ["text an array", { update_id: 1, message: groupPart({ text: ["hi"] }) }],
  ["an unknown update type", { update_id: 1, poll_vote_v9: { anything: true } }],
];

/** A well-formed group message but for `changes`. */
function groupPart(changes: Record<string, unknown>) {
  return {
    message_id: 1,
    date: 1_780_000_000,
    chat: { id: -5, type: "group" },
    from: { id: 5, is_bot: false, first_name: "X" },
    text: "hi",
    ...changes,
  };
}

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

Deno.test("the start sets the command menu; with a webhook URL it registers the webhook with the secret, the updates read and 40 connections", async () => {
  await using api = botApiDouble({ limits: false });
  const bot = createBot({
    token: "123456:TEST",
    apiRoot: api.apiRoot,
    // never queried: registration talks to Telegram only
    sql: undefined as unknown as postgres.Sql,
    log: createLogger({ level: "silent" }),
    xp: XP,
    adminUserIds: [],
    runtime: () => undefined,
  });
  await registerBot(bot.api, {
    webhook: { url: "https://warden.example.org/telegram/webhook", secretToken: SECRET },
  });
  const menu = api.calls.find((c) => c.method === "setMyCommands");
  assert.deepEqual(menu?.params.commands, COMMAND_MENU);
  assert.deepEqual(
    COMMAND_MENU.map((c) => c.command),
    [
      "start",
      "help",
      "profile",
      "top",
      "badges",
      "streak",
      "lives",
      "quiz",
      "hide",
      "show",
      "case",
      "verify",
      "propose",
      "wallet",
    ],
  );
  assert.deepEqual(COMMAND_MENU_ES.map((c) => c.command), COMMAND_MENU.map((c) => c.command));
  const menus = api.calls.filter((c) => c.method === "setMyCommands").map((c) => c.params);
  assert.deepEqual(menus.map((m) => [m.language_code ?? "", m.scope ?? null]), [
    ["", null],
    ["es", null],
    ["", { type: "all_chat_administrators" }],
    ["es", { type: "all_chat_administrators" }],
  ]);
  assert.deepEqual(
    (menus[2].commands as { command: string }[]).map((c) => c.command).slice(-4),
    ["settings", "givexp", "takexp", "resetxp"],
  );
  const hook = api.calls.find((c) => c.method === "setWebhook");
  assert.deepEqual(hook?.params, {
    url: "https://warden.example.org/telegram/webhook",
    secret_token: SECRET,
    allowed_updates: [
      "message",
      "edited_message",
      "my_chat_member",
      "callback_query",
      "message_reaction",
      "poll_answer",
    ],
    max_connections: 40,
  });
});

Deno.test("with a bot token the Telegram side has a setup child that sets the command menu once", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  const config = loadConfig(
    { TELEGRAM_BOT_TOKEN: "123456:TEST", TELEGRAM_API_ROOT: api.apiRoot, NODE_ID: "a" },
    [],
  );
  const telegram = createTelegram({
    config,
    sql: db.sql,
    clock: systemClock(),
    log: createLogger({ level: "silent" }),
    registry: createRegistry(),
    runtime: () => undefined,
  });
  const setup = telegram.children.find((c) => c.id === "telegram-setup");
  assert.ok(setup);
  assert.equal(setup.restart, "transient", "retried while Telegram is unreachable, then done");
  const signal = new AbortController().signal;
  await setup.loop({ stop: signal, kill: signal });
  assert.deepEqual(
    api.calls.filter((c) => c.method === "setMyCommands").map((c) => c.params.commands),
    COMMAND_MENUS.map((m) => m.commands),
  );
  assert.equal(api.calls.filter((c) => c.method === "setWebhook").length, 0, "no URL, no webhook");
});

Deno.test("with TELEGRAM_WEBHOOK_URL the start's setup child registers the webhook; the URL wants webhook mode and https", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  const url = "https://warden.example.org/telegram/webhook";
  const env = {
    TELEGRAM_BOT_TOKEN: "123456:TEST",
    TELEGRAM_API_ROOT: api.apiRoot,
    TELEGRAM_MODE: "webhook",
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    TELEGRAM_WEBHOOK_URL: url,
  };
  const telegram = createTelegram({
    config: loadConfig(env, []),
    sql: db.sql,
    clock: systemClock(),
    log: createLogger({ level: "silent" }),
    registry: createRegistry(),
    runtime: () => undefined,
  });
  const setup = telegram.children.find((c) => c.id === "telegram-setup")!;
  const signal = new AbortController().signal;
  await setup.loop({ stop: signal, kill: signal });
  assert.deepEqual(api.calls.filter((c) => c.method === "setWebhook").map((c) => c.params), [{
    url,
    secret_token: SECRET,
    allowed_updates: [
      "message",
      "edited_message",
      "my_chat_member",
      "callback_query",
      "message_reaction",
      "poll_answer",
    ],
    max_connections: 40,
  }]);
  assert.equal(telegram.children.some((c) => c.id === "telegram-poller"), false);

  for (
    const [bad, problem] of [
      [
        { TELEGRAM_MODE: "polling" },
        /TELEGRAM_WEBHOOK_URL="[^"]*": set only with TELEGRAM_MODE=webhook/,
      ],
      [
        { TELEGRAM_WEBHOOK_URL: "http://warden.example.org/x" },
        /TELEGRAM_WEBHOOK_URL="[^"]*": expected the public https URL/,
      ],
      [
        { TELEGRAM_WEBHOOK_URL: "warden.example.org" },
        /TELEGRAM_WEBHOOK_URL="[^"]*": expected the public https URL/,
      ],
    ] as const
  ) {
    assert.throws(() => loadConfig({ ...env, ...bad }, []), (e: Error) => problem.test(e.message));
  }
});

Deno.test("deno task telegram webhook set|info|delete registers, shows and removes the webhook; bad input is one line and exit 64", async () => {
  await using api = botApiDouble({ limits: false });
  const env = {
    TELEGRAM_BOT_TOKEN: "123456:TEST",
    TELEGRAM_API_ROOT: api.apiRoot,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
  };
  const run = async (args: string[], e: Record<string, string> = env) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await cli(["telegram", ...args], e, (l) => out.push(l), (l) => err.push(l));
    return { code, out: out.join("\n"), err: err.join("\n") };
  };
  const url = "https://warden.example.org/telegram/webhook";

  assert.equal((await run(["webhook", "set", "--url", url])).code, 0);
  assert.deepEqual(api.calls.find((c) => c.method === "setWebhook")?.params, {
    url,
    secret_token: SECRET,
    allowed_updates: [
      "message",
      "edited_message",
      "my_chat_member",
      "callback_query",
      "message_reaction",
      "poll_answer",
    ],
    max_connections: 40,
  });
  const info = await run(["webhook", "info", "--json"]);
  assert.equal(info.code, 0);
  assert.equal(JSON.parse(info.out).url, url);
  assert.match((await run(["webhook", "info"])).out, /^url: https:\/\/warden\.example\.org/);
  assert.equal((await run(["webhook", "delete"])).code, 0);
  assert.equal(JSON.parse((await run(["webhook", "info", "--json"])).out).url, "");
  assert.match((await run(["--help"])).out, /webhook set \[--url URL\]/);

  for (
    const bad of [
      [],
      ["webhook"],
      ["webhook", "sett"],
      ["webhook", "set"], // no --url and no TELEGRAM_WEBHOOK_URL
      ["webhook", "set", "--url", "http://warden.example.org/telegram/webhook"],
      ["webhook", "set", "--url", "not a url"],
      ["webhook", "info", "--url", url],
      ["webhook", "info", "--jsn"],
      ["webhook", "info", "extra"],
    ]
  ) {
    const r = await run(bad);
    assert.equal(r.code, 64, `${bad.join(" ")}: ${r.err}`);
    assert.doesNotMatch(r.err.split("\n")[0], /^\s*$|at /, bad.join(" "));
  }
  const noSecret = await run(["webhook", "set", "--url", url], {
    TELEGRAM_BOT_TOKEN: "123456:TEST",
    TELEGRAM_API_ROOT: api.apiRoot,
  });
  assert.equal(noSecret.code, 2);
  assert.match(noSecret.err, /TELEGRAM_WEBHOOK_SECRET/);
  const noToken = await run(["webhook", "info"], { TELEGRAM_API_ROOT: api.apiRoot });
  assert.equal(noToken.code, 2);
  assert.match(noToken.err, /TELEGRAM_BOT_TOKEN/);
});

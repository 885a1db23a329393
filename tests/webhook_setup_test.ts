// Telegram's side of the start: the command menu, the webhook's registration (by the start's
// setup child and by `deno task telegram webhook …`), against the Bot API double. The webhook's
// handling of updates is tests/webhook_test.ts.
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
import { testDatabase } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";

const XP = { perMessage: 1, perLink: 3, perThanks: 5, maxPerMinute: 10 };
const SECRET = "webhook-secret-123";

/** What `setWebhook` is asked for `url`: the secret, the update types Warden reads, 40 connections. */
const webhookParams = (url: string) => ({
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
  assert.deepEqual(hook?.params, webhookParams("https://warden.example.org/telegram/webhook"));
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
  assert.deepEqual(
    api.calls.filter((c) => c.method === "setWebhook").map((c) => c.params),
    [webhookParams(url)],
  );
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

  const set = await run(["webhook", "set", "--url", url]);
  assert.deepEqual([set.code, set.err], [0, ""]);
  // another path is registered (a proxy may forward it) with a note saying where updates go
  const elsewhere = await run(["webhook", "set", "--url", "https://warden.example.org/hook"]);
  assert.equal(elsewhere.code, 0);
  assert.match(elsewhere.err, /^note: Warden takes updates at \/telegram\/webhook, not \/hook/);
  assert.equal((await run(["webhook", "set", "--url", url])).code, 0);
  assert.deepEqual(api.calls.find((c) => c.method === "setWebhook")?.params, webhookParams(url));
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

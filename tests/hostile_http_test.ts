/**
 * Hostile input over every route the README lists: no 5xx, no crash, every HTTP error a JSON
 * `{ error }`. The routes are read from the README's table; failures are collected, so one run
 * lists every one of them. (The CLI and the variables: hostile_cli_config_test.ts.)
 */
import assert from "node:assert/strict";
import { createLogger } from "../actors/log.ts";
import { createRegistry } from "../actors/metrics.ts";
import { createBot } from "../bot/bot.ts";
import { seedCommunity } from "../domain/seed.ts";
import { createApp } from "../routes/app.ts";
import { runtimeMetrics } from "../routes/metrics.ts";
import { createReadiness } from "../routes/readiness.ts";
import { testDatabase } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { LONG, report, section, show } from "./fakes/hostile.ts";
import { serve } from "./fakes/http.ts";
import { job, testRuntime } from "./fakes/runtime.ts";
import { nearMisses } from "./fakes/tokens.ts";

const TOKEN = "s3cret-admin-token-0123";
const SECRET = "webhook-secret-123";

/** The README's routes: [method, path, auth]; `…/resume` and a bare path continue the last one. */
function readmeRoutes(): Array<[string, string, string]> {
  const routes: Array<[string, string, string]> = [];
  const rows = section("## HTTP routes", "### Metrics").matchAll(
    /^\| ((?:[^|\\]|\\.)*)\|\s*(\w[\w ]*?)\s+\|/gm,
  );
  for (const [, cell, auth] of rows) {
    for (const item of cell.match(/`[^`]+`/g) ?? []) {
      const [, method, raw] = /^`(?:(GET|POST|PATCH) )?([^`?\s]+)/.exec(item)!;
      const last = routes.at(-1);
      const path = raw.startsWith("…/") ? last![1].replace(/\/[^/]+$/, raw.slice(1)) : raw;
      routes.push([method ?? last![0], path, auth]);
    }
  }
  return routes;
}

// deno-fmt-ignore
const HOSTILE = [ // path parameters: encoded as a client would, then raw
  "abc", "-0", "1e3", "0x10", "99999999999999999999", "9007199254740993", "1.5", "+1", " 1", LONG,
  "🙂", "' OR 1=1 --", "Δ\u202e", "level-ups\n",
].map(encodeURIComponent).concat(["%00", "..%2F..%2Fetc", "..", "%", "%ZZ", "%E0%A4%A", ";"]);
// deno-fmt-ignore
const AUTHS = [
  undefined, "Bearer", "Bearer ", `bearer ${TOKEN}`, `Basic ${btoa(`admin:${TOKEN}`)}`, TOKEN,
  `Bearer  ${TOKEN}`, `Bearer ${TOKEN} extra`, `Bearer ${TOKEN}\u00e9`, `Token ${TOKEN}`,
  ...[...nearMisses(TOKEN), TOKEN + "x"].map((n) => `Bearer ${n}`),
];
// deno-fmt-ignore
const BODIES: Array<[string, string]> = [
  ["application/json", "{not json"], ["application/json", "x".repeat(1_000_000)],
  ["text/plain", "hello"], ["application/x-www-form-urlencoded", "wait=true&limit=1e3"],
];
// deno-fmt-ignore
const QUERY_VALUES = [
  "", "ALL", "year", "maybe", "0", "101", "-1", "1e3", "0x10", "%207", "1.5", "NaN", "Infinity",
  "99999999999999999999", "%", "%E0%A4%A", "%00", "%F0%9F%99%82", LONG,
];
// deno-fmt-ignore
const QUERIES = [
  ["/api/chats/:chat/leaderboard", "period"], ["/api/chats/:chat/leaderboard", "limit"],
  ["/health/tasks/:name/run", "wait"], ["/api/incidents", "state"], ["/api/incidents", "limit"],
  ["/api/chats/:chat/metrics", "from"], ["/api/chats/:chat/metrics", "to"],
  ["/api/cases", "status"], ["/api/cases", "limit"],
];
// deno-fmt-ignore
const BODIES_NOT_UPDATES = [
  "not json", "{", "[]", "null", "1", '"update"', "{}", '{"update_id":-1}', "x".repeat(1_000_000),
  '{"update_id":1e400}', '{"update_id":"1"}', '{"update_id":2,"message":null}',
];
// deno-fmt-ignore
const hostileMessages = (from: Record<string, unknown>) => [
  { text: LONG }, { text: "' OR 1=1 --; DROP TABLE members; 🙂" }, { text: "\u0000\ud800" },
  { chat: { id: 9007199254740991, type: "group" } }, { chat: { id: -1e15, type: "channel" } },
  { from: { id: 0, is_bot: true, first_name: "" } }, { date: 0 }, { caption: LONG },
  { text: "thanks @ana", entities: [{ type: "mention", offset: 9_999, length: 5 }] },
  { text: "x", entities: [{ type: "text_mention", offset: 0, length: 1 }] },
  { text: "thanks", reply_to_message: { from } }, { text: "/profile @" + LONG },
  { text: "/top " + "year".repeat(100) }, { text: "/run ../../etc" }, { text: "/start" },
  { migrate_to_chat_id: "not a number" }, { migrate_from_chat_id: 1e300 },
];

Deno.test("every route, with hostile paths, queries, bodies, auth and methods: no 5xx, JSON errors", async () => {
  await using db = await testDatabase();
  await seedCommunity(db.sql, { members: 20, chats: 1, now: new Date("2026-05-01T00:00:00Z") });
  const [m] = await db
    .sql`SELECT chat_id::text AS chat, user_id::text AS user FROM members LIMIT 1`;
  await using api = botApiDouble({ limits: false });
  const run = () => Promise.resolve({ processed: 0 });
  const t = testRuntime([job({ name: "lease-rescue", run }), job({ name: "level-ups", run })]);
  const readiness = createReadiness({ ping: () => db.sql`SELECT 1`, clock: t.clock });
  readiness.markMigrated();
  readiness.markStarted();
  t.runtime.start();
  const log = createLogger({ level: "silent" });
  const xp = { perMessage: 1, perLink: 3, perThanks: 5, maxPerMinute: 10 };
  // deno-fmt-ignore
  const bot = createBot({ token: "123456:TEST", apiRoot: api.apiRoot, sql: db.sql, log, xp, adminUserIds: [77], runtime: () => t.runtime });
  const metrics = runtimeMetrics(createRegistry(), t.runtime, readiness);
  const webhook = { bot, secretToken: SECRET };
  const app = (adminToken?: string) =>
    serve(
      createApp({ runtime: t.runtime, readiness, log, metrics, adminToken, sql: db.sql, webhook }),
    );
  await using http = app(TOKEN);
  await using closed = app(undefined); // no ADMIN_TOKEN: 403 saying why

  const failures: string[] = [];
  const statuses: Record<number, number> = {};
  let sent = 0;
  async function send(
    method: string,
    path: string,
    init: RequestInit = {},
    base = http.base,
  ): Promise<Response | undefined> {
    sent++;
    const what = `${method} ${show(path)} ${show(JSON.stringify(init.headers ?? {}))}`;
    try {
      const res = await fetch(base + path, { method, ...init });
      const text = await res.text();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status >= 500) failures.push(`${what} → ${res.status} ${show(text)}`);
      if (res.status < 400) return res;
      let body: { error?: unknown } | null = null;
      try {
        body = JSON.parse(text);
      } catch { /* reported below */ }
      const type = res.headers.get("content-type") ?? "";
      if (!/application\/json/.test(type) || typeof body?.error !== "string" || !body.error) {
        failures.push(`${what} → ${res.status} ${type} ${show(text)}: not a JSON { error }`);
      }
      return res;
    } catch (error) {
      failures.push(`${what} → ${(error as Error).message}`);
    }
  }
  const authFor = (auth: string): Record<string, string> =>
    auth === "bearer" ? { authorization: `Bearer ${TOKEN}` } : {};
  const ROUTES = readmeRoutes();
  assert.equal(ROUTES.length, 31, `the README's routes: ${JSON.stringify(ROUTES)}`);
  const VALID: Record<string, string> = {
    name: "lease-rescue",
    chat: m.chat,
    user: m.user,
    id: "1",
  };
  const fill = (path: string, over: Record<string, string> = {}) =>
    path.replace(/:(\w+)/g, (_, k) => over[k] ?? VALID[k]);
  for (const [method, path, auth] of ROUTES) {
    const headers = authFor(auth);
    for (const key of path.match(/:\w+/g) ?? []) {
      for (const v of HOSTILE) await send(method, fill(path, { [key.slice(1)]: v }), { headers });
    }
    for (const wrong of ["DELETE", "PUT", "PATCH", "OPTIONS", method === "GET" ? "POST" : "GET"]) {
      // another route answers this method here (GET /health/tasks/:name reads /health/tasks/stop)
      const pattern = (p: string) => new RegExp(`^${p.replace(/:\w+/g, "[^/]+")}$`);
      if (ROUTES.some(([m, p]) => m === wrong && pattern(p).test(path))) continue;
      const res = await send(wrong, fill(path), { headers });
      // the path exists: 405 naming the method it takes (OPTIONS: 204 with the same `Allow`)
      const allow = res?.headers.get("allow")?.split(", ") ?? [];
      if (res?.status !== (wrong === "OPTIONS" ? 204 : 405) || !allow.includes(method)) {
        failures.push(
          `${wrong} ${path} → ${res?.status}, Allow ${allow}: expected ${method} named`,
        );
      }
    }
    // a trailing slash is another path: 404, not a 405 telling to use the method just used
    const slash = await send(method, fill(path) + "/", { headers });
    if (slash?.status !== 404) failures.push(`${method} ${path}/ → ${slash?.status}: expected 404`);
    for (const [type, body] of BODIES) {
      const init = { headers: { ...headers, "content-type": type }, body };
      await send(method === "GET" ? "POST" : method, fill(path), init);
    }
    if (auth !== "bearer") continue;
    for (const a of AUTHS) {
      await send(method, fill(path), { headers: a ? { authorization: a } : {} });
    }
    await send(method, fill(path), { headers }, closed.base);
  }
  for (const [path, name] of QUERIES) {
    const [method, , auth] = ROUTES.find((r) => r[1] === path)!;
    const headers = authFor(auth);
    for (const v of [...QUERY_VALUES, "1&" + name + "=abc"]) {
      await send(method, `${fill(path)}?${name}=${v}`, { headers });
    }
    await send(method, `${fill(path)}?${name}`, { headers });
  }
  // the webhook: the secret header, then bodies that are not updates, then hostile updates
  // deno-fmt-ignore
  const post = (secret: string | null, body: string, type = "application/json") =>
    send("POST", "/telegram/webhook", { body, headers: { "content-type": type, ...(secret === null ? {} : { "x-telegram-bot-api-secret-token": secret }) } });
  const from = { id: Number(m.user), is_bot: false, first_name: "Ana" };
  const chat = { id: Number(m.chat), type: "supergroup" };
  const message = (o: Record<string, unknown>) =>
    JSON.stringify({
      update_id: 1 + sent,
      message: { message_id: sent, date: 1.78e9, chat, from, text: "hi", ...o },
    });
  for (const secret of [null, "", "Bearer " + SECRET, ...nearMisses(SECRET)]) {
    await post(secret, message({}));
  }
  const NOT_UPDATES = [...BODIES_NOT_UPDATES, `[${message({})}]`];
  for (const body of NOT_UPDATES) await post(SECRET, body);
  await post(SECRET, message({}), "text/plain");
  const HOSTILE_MESSAGES = hostileMessages(from);
  for (const o of HOSTILE_MESSAGES) await post(SECRET, message(o));
  await t.runtime.shutdown(1_000);
  const tally = JSON.stringify(statuses);
  report(failures, `${sent} requests (${tally})`);
  console.log(`${sent} requests, none broke the rule; statuses ${tally}`);
});

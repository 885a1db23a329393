/**
 * A query parameter a JSON API route does not read is refused by name (`?limt=5` would answer the
 * default quietly), on every route under /api and the job controls; the check comes after the
 * bearer check and before anything else, so the collaborators here are never called.
 */
import assert from "node:assert/strict";
import { createLogger } from "../actors/log.ts";
import { createApp } from "../routes/app.ts";

const TOKEN = "s3cret-admin-token-0123";

function app() {
  return createApp({
    runtime: {} as never,
    readiness: {} as never,
    log: createLogger({ level: "silent" }),
    metrics: { scrape: () => Promise.resolve("# nothing\n") },
    adminToken: TOKEN,
    sql: {} as never,
  });
}

const ids: Record<string, string> = { chat: "-100", user: "7", id: "1", name: "level-ups" };

Deno.test("every JSON API route refuses an unknown query parameter, naming it and the known", async () => {
  const a = app();
  const routes = a.routes.filter((r) =>
    r.method !== "ALL" && (r.path.startsWith("/api/") || /^\/health\/tasks\/.+/.test(r.path)) &&
    !(r.method === "GET" && r.path.startsWith("/health/"))
  );
  assert.ok(routes.length > 20, `routes read: ${routes.map((r) => r.path)}`);
  for (const r of routes) {
    const path = r.path.replace(
      /:(\w+)(\{[^}]*\})?/g,
      (_, k, choice) => choice ? choice.slice(1, -1).split("|")[0] : ids[k],
    );
    const res = await a.request(`${path}?limt=5`, {
      method: r.method,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const body = await res.json();
    assert.equal(res.status, 400, `${r.method} ${path}: ${JSON.stringify(body)}`);
    assert.match(body.error, /^unknown query parameter "limt": /, `${r.method} ${path}`);
  }
});

Deno.test("the message lists what the route reads; without the token it is still 401", async () => {
  const a = app();
  const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
  const board = await a.request("/api/chats/-100/leaderboard?limt=5&period=week", auth);
  assert.deepEqual(await board.json(), {
    error: 'unknown query parameter "limt": known are period, limit',
  });
  const none = await a.request("/api/chats?x=1&y=2&x=3", auth);
  assert.deepEqual(await none.json(), {
    error: 'unknown query parameters "x", "y": this route takes none',
  });
  assert.equal((await a.request("/api/chats?limt=5")).status, 401);
});

Deno.test("probes and scrapers ignore what they do not read", async () => {
  const res = await app().request("/metrics?cache-bust=123");
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "# nothing\n");
});

/**
 * The API's JSON bodies (an XP move, chat settings, a quiz's score), over a real HTTP server:
 * a body not declared `application/json` is refused with 415, one that is not JSON with 400
 * naming the problem; neither changes anything.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { createLogger } from "../actors/log.ts";
import { adminApiRoutes } from "../routes/admin_api.ts";
import { chatSettingsRoutes } from "../routes/chat_settings.ts";
import { errorHandler } from "../routes/errors.ts";
import { quizApiRoutes } from "../routes/quiz_api.ts";
import { testDatabase } from "./db.ts";
import { community } from "./fakes/community.ts";
import { serve } from "./fakes/http.ts";

const TOKEN = "s3cret-admin-token-0123";
const auth = { authorization: `Bearer ${TOKEN}` };
const NOW = new Date("2026-05-11T12:00:00Z");

async function setup() {
  const db = await testDatabase();
  await community(db.sql, { id: -1 }, [{ user: 7, xp: 10 }]);
  const api = { sql: db.sql, adminToken: TOKEN, now: () => NOW };
  const app = new Hono().route("/api", adminApiRoutes(api)).route("/api", chatSettingsRoutes(api))
    .route("/api", quizApiRoutes(api));
  app.onError(errorHandler(createLogger({ level: "silent" })));
  const http = serve(app);
  const started = await http.get("/api/chats/-1/members/7/quiz-sessions", {
    method: "POST",
    headers: auth,
  });
  assert.equal(started.status, 201);
  const routes = [
    {
      name: "XP move",
      method: "POST",
      path: "/api/chats/-1/members/7/xp",
      body: { amount: 5, reason: "helped" },
    },
    { name: "settings", method: "PATCH", path: "/api/chats/-1/settings", body: { language: "es" } },
    {
      name: "quiz score",
      method: "POST",
      path: `/api/chats/-1/members/7/quiz-sessions/${started.body.sessionId}/complete`,
      body: { correct: 3, total: 5 },
    },
  ];
  const unchanged = async () => {
    const [row] = await db.sql`
      SELECT m.xp, c.language, (SELECT count(*)::int FROM quiz_sessions WHERE correct IS NOT NULL) AS done
      FROM members m JOIN chats c USING (chat_id) WHERE m.chat_id = -1 AND m.user_id = 7`;
    assert.deepEqual({ ...row }, { xp: 10, language: null, done: 0 }, "nothing changed");
  };
  return {
    db,
    http,
    routes,
    unchanged,
    async [Symbol.asyncDispose]() {
      await http[Symbol.asyncDispose]();
      await db[Symbol.asyncDispose]();
    },
  };
}

Deno.test("a JSON body without Content-Type: application/json is refused with 415, naming what came", async () => {
  await using s = await setup();
  for (const r of s.routes) {
    for (const type of [undefined, "text/plain", "application/x-www-form-urlencoded"]) {
      const headers: Record<string, string> = { ...auth };
      if (type) headers["content-type"] = type;
      const res = await s.http.get(r.path, {
        method: r.method,
        headers,
        // bytes: fetch gives a string body "text/plain;charset=UTF-8" of its own
        body: new TextEncoder().encode(JSON.stringify(r.body)),
      });
      assert.equal(res.status, 415, `${r.name}, ${type}`);
      assert.equal(
        res.body.error,
        `Content-Type must be application/json, got ${type ? `"${type}"` : "none"}`,
        `${r.name}, ${type}`,
      );
    }
  }
  await s.unchanged();
});

Deno.test("a body declared JSON that is not JSON is refused with 400 naming the problem", async () => {
  await using s = await setup();
  for (const r of s.routes) {
    for (
      const [body, problem] of [["", /it is empty, expected JSON$/], [
        '{"amount": 5,',
        /JSON/,
      ]] as const
    ) {
      const res = await s.http.get(r.path, {
        method: r.method,
        headers: { ...auth, "content-type": "application/json" },
        body,
      });
      assert.equal(res.status, 400, `${r.name}, ${JSON.stringify(body)}`);
      assert.match(res.body.error, /^bad JSON body: /);
      assert.match(res.body.error, problem, `${r.name}, ${JSON.stringify(body)}`);
    }
  }
  await s.unchanged();
});

Deno.test("application/json with a charset, in any case, is JSON: each route does its work", async () => {
  await using s = await setup();
  for (const r of s.routes) {
    const res = await s.http.get(r.path, {
      method: r.method,
      headers: { ...auth, "content-type": "Application/JSON; charset=utf-8" },
      body: JSON.stringify(r.body),
    });
    assert.equal(res.status, 200, `${r.name}: ${JSON.stringify(res.body)}`);
  }
});

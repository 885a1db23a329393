/** The quiz API and bot accounts: bots earn no XP, so a bot neither starts a session nor spends a life. */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { createLogger } from "../actors/log.ts";
import { errorHandler } from "../routes/errors.ts";
import { quizApiRoutes } from "../routes/quiz_api.ts";
import { testDatabase } from "./db.ts";
import { community } from "./fakes/community.ts";
import { serve } from "./fakes/http.ts";

const TOKEN = "s3cret-admin-token-0123";
const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

Deno.test("quiz API: a bot account gets 409 (bots earn no XP), no session and no life spent", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -1 }, [{ user: 7 }, { user: 8, name: "HelperBot" }]);
  await db.sql`UPDATE members SET is_bot = true WHERE user_id = 8`;
  const app = new Hono().route(
    "/api",
    quizApiRoutes({ sql: db.sql, adminToken: TOKEN, now: () => new Date("2026-06-01T10:00:00Z") }),
  );
  app.onError(errorHandler(createLogger({ level: "silent" })));
  await using http = serve(app);
  const start = (user: number) =>
    http.get(`/api/chats/-1/members/${user}/quiz-sessions`, { method: "POST", headers });

  const bot = await start(8);
  assert.deepEqual([bot.status, bot.body], [409, {
    error: "member 8 in chat -1 is a bot: bots earn no XP",
  }]);
  const [{ sessions, lives }] = await db.sql<{ sessions: number; lives: number }[]>`
    SELECT (SELECT count(*)::int FROM quiz_sessions WHERE user_id = 8) AS sessions,
           (SELECT count(*)::int FROM lives WHERE user_id = 8) AS lives`;
  assert.deepEqual({ sessions, lives }, { sessions: 0, lives: 0 });
  assert.equal((await start(7)).status, 201, "a person still plays");
});

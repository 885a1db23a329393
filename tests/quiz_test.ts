import assert from "node:assert/strict";
import { Hono } from "hono";
import type postgres from "postgres";
import { createLogger } from "../actors/log.ts";
import { connectClient } from "../db/connect.ts";
import { completeQuiz, QUIZ_XP_PER_CORRECT, startQuiz } from "../domain/quiz.ts";
import { pickQuestions, questionHolds, QUIZ_BANK } from "../domain/quiz_bank.ts";
import { DEFAULT_XP } from "../domain/xp_rules.ts";
import { prng } from "./fakes/prng.ts";
import { quizCleanupJob } from "../domain/quiz_cleanup.ts";
import { errorHandler } from "../routes/errors.ts";
import { quizApiRoutes } from "../routes/quiz_api.ts";
import { testDatabase } from "./db.ts";
import { community, runJob } from "./fakes/community.ts";
import { serve } from "./fakes/http.ts";

const TOKEN = "s3cret-admin-token-0123";
const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
const T0 = new Date("2026-06-01T10:00:00Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

const member = async (sql: postgres.Sql, user = 7, chat = -1) => {
  const [r] = await sql<{ xp: number; lives: number | null; streak: number | null }[]>`
    SELECT m.xp::int AS xp, l.current AS lives, s.current AS streak FROM members m
    LEFT JOIN lives l ON l.chat_id = m.chat_id AND l.user_id = m.user_id
    LEFT JOIN streaks s ON s.chat_id = m.chat_id AND s.user_id = m.user_id
    WHERE m.chat_id = ${chat} AND m.user_id = ${user}`;
  return r;
};
const quizRows = async (sql: postgres.Sql) =>
  (await sql<{ amount: number; source: string }[]>`
    SELECT amount, source FROM xp_ledger WHERE reason = 'quiz' ORDER BY id`).map((r) =>
    `${r.source}=${r.amount}`
  );

Deno.test("the bank: at least 20 questions, 2–4 options, a valid answer, the same options count in en and es", () => {
  assert.ok(QUIZ_BANK.length >= 20);
  for (const q of QUIZ_BANK) {
    const { en, es } = q.text;
    assert.ok(en.options.length >= 2 && en.options.length <= 4, `question ${q.id}`);
    assert.equal(es.options.length, en.options.length, `question ${q.id}`);
    assert.ok(q.correct >= 0 && q.correct < en.options.length, `question ${q.id}`);
    for (const text of [en.question, es.question]) assert.ok(text.length <= 300);
    for (const o of [...en.options, ...es.options]) assert.ok(o.length >= 1 && o.length <= 100);
  }
  const five = pickQuestions(5, () => 0.999);
  assert.equal(new Set(five).size, 5);
});

Deno.test("questions about XP amounts are asked only where their answer holds", () => {
  const failing = (xp: typeof DEFAULT_XP, hundredths: number) =>
    QUIZ_BANK.filter((q) => !questionHolds(q, xp, hundredths)).map((q) => q.id);
  assert.deepEqual(failing(DEFAULT_XP, 100), [], "the defaults: every answer holds");
  assert.deepEqual(failing({ ...DEFAULT_XP, perMessage: 2 }, 100), [1], "XP_PER_MESSAGE=2");
  assert.deepEqual(failing({ ...DEFAULT_XP, maxPerMinute: 20 }, 100), [4], "XP_MAX_PER_MINUTE=20");
  assert.deepEqual(
    failing(DEFAULT_XP, 200),
    [1, 2, 3],
    "a 2× chat: every award doubles, not the cap",
  );
  assert.deepEqual(
    failing(DEFAULT_XP, 50),
    [2, 3],
    "a 0.5× chat: 1 stays 1 (half up), 3 → 2, 5 → 3",
  );
  const random = prng(7);
  const holds = (q: (typeof QUIZ_BANK)[number]) => questionHolds(q, DEFAULT_XP, 200);
  for (let i = 0; i < 500; i++) {
    const picked = pickQuestions(5, random, holds);
    assert.equal(new Set(picked).size, 5);
    assert.ok(picked.every((id) => id > 3), `session ${i}: ${picked}`);
  }
});

Deno.test("a session spends exactly one life; none left is refused with the next life's time; lives come back lazily", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -1, title: "Club" }, [{ user: 7 }]);
  const start = (m: number) => startQuiz(db.sql, { chatId: -1, userId: 7, at: at(m) });

  const first = await start(0);
  assert.equal(first.kind, "started");
  assert.equal((await member(db.sql)).lives, 4, "the row starts at the max, minus one");
  for (let i = 1; i <= 4; i++) assert.equal((await start(i)).kind, "started");
  assert.equal((await member(db.sql)).lives, 0);

  const refused = await start(5);
  assert.equal(refused.kind, "no-lives");
  if (refused.kind !== "no-lives") return;
  // the clock restarted at the first spend (from the max): the next life at 30 min
  assert.deepEqual(refused.lives, { current: 0, max: 5, nextLifeAt: at(30) });
  assert.equal(refused.chatTitle, "Club");
  assert.equal((await member(db.sql)).lives, 0, "a refusal spends nothing");

  const later = await start(31);
  assert.equal(later.kind, "started", "the life owed at 30 min is usable before the job runs");
  if (later.kind !== "started") return;
  assert.deepEqual(later.lives, { current: 0, max: 5, nextLifeAt: at(60) });
  assert.deepEqual(await startQuiz(db.sql, { chatId: -1, userId: 8, at: at(0) }), {
    kind: "not-member",
  });
});

Deno.test("completion pays correct × 2 XP once, counts for the streak; a repeat pays nothing; a late or expired session pays nothing", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -1 }, [{ user: 7, xp: 10 }]);
  const s = await startQuiz(db.sql, { chatId: -1, userId: 7, at: at(0) });
  assert.equal(s.kind, "started");
  if (s.kind !== "started") return;
  const complete = (m: number, correct: number) =>
    completeQuiz(db.sql, { sessionId: s.sessionId, at: at(m), score: { correct, total: 5 } });

  const done = await complete(3, 4);
  assert.equal(done.kind, "completed");
  if (done.kind !== "completed") return;
  assert.deepEqual([done.correct, done.total, done.xp, done.paid], [
    4,
    5,
    4 * QUIZ_XP_PER_CORRECT,
    true,
  ]);
  const again = await complete(4, 5);
  assert.equal(again.kind === "completed" && again.paid, false);
  assert.equal(again.kind === "completed" && again.correct, 4, "the first score stands");
  assert.deepEqual(await member(db.sql), { xp: 18, lives: 4, streak: 1 });
  assert.deepEqual(await quizRows(db.sql), [`quiz:${s.sessionId}=8`]);

  const late = await startQuiz(db.sql, { chatId: -1, userId: 7, at: at(20) });
  if (late.kind !== "started") throw new Error("expected a start");
  const tooLate = await completeQuiz(db.sql, {
    sessionId: late.sessionId,
    at: at(30),
    score: { correct: 5, total: 5 },
  });
  assert.equal(tooLate.kind, "expired");

  const abandoned = await startQuiz(db.sql, { chatId: -1, userId: 7, at: at(40) });
  if (abandoned.kind !== "started") throw new Error("expected a start");
  assert.equal(
    (await runJob(quizCleanupJob(), db.sql, at(60))).changed,
    2,
    "the cleanup job reads expires_at",
  );
  const afterCleanup = await completeQuiz(db.sql, { sessionId: abandoned.sessionId, at: at(45) });
  assert.equal(afterCleanup.kind, "expired", "an expired session stays unpaid");
  assert.equal((await member(db.sql)).xp, 18);
  assert.deepEqual(await completeQuiz(db.sql, { sessionId: 999, at: at(1) }), { kind: "unknown" });
});

Deno.test("two replicas completing the same sessions at once pay each session once", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -1 }, [{ user: 7 }]);
  await db.sql`INSERT INTO lives (chat_id, user_id, current, max, last_refill_at)
               VALUES (-1, 7, 50, 50, ${at(0)})`;
  const sessions: number[] = [];
  for (let i = 0; i < 12; i++) {
    const s = await startQuiz(db.sql, { chatId: -1, userId: 7, at: at(0) });
    if (s.kind !== "started") throw new Error(`expected a start, got ${s.kind}`);
    sessions.push(s.sessionId);
  }
  const embedded = db.kind === "embedded";
  const a = connectClient(db.url, { embedded, max: 4 });
  const b = connectClient(db.url, { embedded, max: 4 });
  try {
    const settled = await Promise.allSettled(
      sessions.flatMap((id) =>
        [a, b].map((sql) =>
          completeQuiz(sql, { sessionId: id, at: at(1), score: { correct: 3, total: 5 } })
        )
      ),
    );
    const outcomes = settled.map((r) => {
      if (r.status === "rejected") throw r.reason;
      return r.value;
    });
    const paid = outcomes.filter((o) => o.kind === "completed" && o.paid).length;
    assert.equal(paid, sessions.length, "one payment per session");
    assert.equal(outcomes.filter((o) => o.kind === "completed").length, sessions.length * 2);
  } finally {
    await Promise.all([a.end(), b.end()]);
  }
  assert.equal((await member(db.sql)).xp, sessions.length * 3 * QUIZ_XP_PER_CORRECT);
  assert.equal((await quizRows(db.sql)).length, sessions.length);
});

Deno.test("API: start spends a life, complete pays once, 409 without lives or after expiry, 404 unknown, 400 naming the field", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -1 }, [{ user: 7 }, { user: 8 }]);
  let now = at(0);
  const app = new Hono().route(
    "/api",
    quizApiRoutes({ sql: db.sql, adminToken: TOKEN, now: () => now }),
  );
  app.onError(errorHandler(createLogger({ level: "silent" })));
  await using http = serve(app);
  const post = (path: string, body?: unknown, h: Record<string, string> = headers) =>
    http.get(`/api/chats${path}`, {
      method: "POST",
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const started = await post("/-1/members/7/quiz-sessions");
  assert.equal(started.status, 201);
  assert.deepEqual(started.body, {
    sessionId: started.body.sessionId,
    expiresAt: "2026-06-01T10:10:00.000Z",
    lives: { current: 4, max: 5 },
    nextLifeAt: "2026-06-01T10:30:00.000Z",
  });
  const id = started.body.sessionId;
  const complete = (body: unknown, sid = id, who = 7) =>
    post(`/-1/members/${who}/quiz-sessions/${sid}/complete`, body);

  now = at(2);
  const paid = await complete({ correct: 3, total: 5 });
  assert.deepEqual([paid.status, paid.body], [200, {
    sessionId: id,
    correct: 3,
    total: 5,
    xp: 6,
    paid: true,
  }]);
  const again = await complete({ correct: 5, total: 5 });
  assert.deepEqual([again.status, again.body], [200, {
    sessionId: id,
    correct: 3,
    total: 5,
    xp: 6,
    paid: false,
  }]);
  assert.equal((await member(db.sql)).xp, 6);
  assert.equal((await complete({ correct: 3, total: 5 }, id, 8)).status, 404, "not 8's session");

  for (
    const [body, field] of [
      [{ correct: 6, total: 5 }, "correct:"],
      [{ correct: 1 }, "total:"],
      [{ correct: 1.5, total: 5 }, "correct:"],
      [{ correct: 1, total: 5, bonus: 1 }, "bonus:"],
      [[1, 2], "body:"],
    ] as const
  ) {
    const bad = await complete(body);
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.match(bad.body.error, new RegExp(field));
  }
  assert.match((await complete({ correct: 1, total: 5 }, "x")).body.error, /^id must be/);
  assert.equal((await post("/-1/members/9/quiz-sessions")).status, 404);
  assert.equal((await post("/-1/members/7/quiz-sessions", undefined, {})).status, 401);

  for (let i = 0; i < 4; i++) assert.equal((await post("/-1/members/7/quiz-sessions")).status, 201);
  now = at(12);
  const none = await post("/-1/members/7/quiz-sessions");
  assert.equal(none.status, 409);
  assert.equal(none.body.nextLifeAt, "2026-06-01T10:30:00.000Z");
  assert.equal(none.body.retryAfterSeconds, 18 * 60);
  assert.match(none.body.error, /no lives left/);

  const last = (await db.sql<{ id: number }[]>`SELECT max(id)::int AS id FROM quiz_sessions`)[0].id;
  const expired = await complete({ correct: 5, total: 5 }, last);
  assert.equal(expired.status, 409);
  assert.match(expired.body.error, /expired at 2026-06-01T10:12:00.000Z/);
  assert.equal((await member(db.sql)).xp, 6, "nothing more was paid");
});

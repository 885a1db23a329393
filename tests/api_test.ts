import assert from "node:assert/strict";
import { testDatabase } from "./db.ts";
import { app, auth, bookClub, CHAT, NOW, QUIET, TOKEN } from "./fakes/book_club.ts";
import { nearMisses } from "./fakes/tokens.ts";

const ROUTES = [
  "/api/chats",
  `/api/chats/${CHAT}/leaderboard`,
  `/api/chats/${CHAT}/members/1`,
  `/api/chats/${CHAT}/members/1/badges`,
  `/api/chats/${CHAT}/members/1/badges/progress`,
];

Deno.test("every API route needs the bearer token: none or wrong 401, no ADMIN_TOKEN 403", async (t) => {
  await using db = await testDatabase();
  await bookClub(db);
  await using http = app(db);
  await using closed = app(db, {});
  for (const path of ROUTES) {
    await t.step(path, async () => {
      const none = await http.get(path);
      assert.equal(none.status, 401);
      assert.match(none.body.error, /missing Authorization header/);
      const wrong = await http.get(path, { headers: { authorization: "Bearer nope-nope-nope" } });
      assert.equal(wrong.status, 401);
      assert.match(wrong.body.error, /does not match ADMIN_TOKEN/);
      for (const near of nearMisses(TOKEN)) {
        const r = await http.get(path, { headers: { authorization: `Bearer ${near}` } });
        assert.equal(r.status, 401, `${JSON.stringify(near)} must not pass`);
        assert.match(r.body.error, /does not match ADMIN_TOKEN/);
      }
      const off = await closed.get(path, auth);
      assert.equal(off.status, 403);
      assert.equal(off.body.error, "admin routes are disabled: set ADMIN_TOKEN to use them");
      const ok = await http.get(path, auth);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    });
  }
});

Deno.test("GET /api/chats lists every chat with its people counted (bots not)", async () => {
  await using db = await testDatabase();
  await bookClub(db);
  await using http = app(db);
  const { status, body } = await http.get("/api/chats", auth);
  assert.equal(status, 200);
  assert.deepEqual(body, {
    chats: [
      { chatId: CHAT, title: "Book club", kind: "supergroup", members: 4 },
      { chatId: QUIET, title: "Quiet", kind: "supergroup", members: 0 },
    ].sort((a, b) => a.chatId - b.chatId),
  });
});

Deno.test("GET /api/chats/:chat/leaderboard reads the cached boards", async (t) => {
  await using db = await testDatabase();
  await bookClub(db);
  await using http = app(db);
  const board = (query = "") => http.get(`/api/chats/${CHAT}/leaderboard${query}`, auth);
  const ranks = (body: { entries: { rank: number; name: string; score: number }[] }) =>
    body.entries.map((e) => [e.rank, e.name, e.score]);

  await t.step(
    "all-time by default: ties share a rank, who reached it first goes first",
    async () => {
      const { status, body } = await board();
      assert.equal(status, 200);
      assert.equal(body.chatId, CHAT);
      assert.equal(body.period, "all");
      assert.equal(body.computedAt, NOW.toISOString());
      assert.equal(body.periodStart, "1970-01-01T00:00:00.000Z");
      assert.equal(body.live, false, "the cache is of the current period");
      assert.deepEqual(ranks(body), [[1, "Ana", 60], [2, "Ben", 50], [2, "Cai", 50]]);
      assert.deepEqual(body.entries[0], {
        rank: 1,
        userId: 1,
        name: "Ana",
        score: 60,
        reachedAt: "2026-06-10T09:00:00.000Z",
      });
    },
  );
  await t.step("each period counts its own XP", async () => {
    assert.deepEqual(ranks((await board("?period=month")).body), [
      [1, "Ben", 50],
      [1, "Cai", 50],
      [3, "Ana", 10],
    ]);
    assert.deepEqual(ranks((await board("?period=week")).body), [
      [1, "Cai", 50],
      [2, "Ben", 20],
      [3, "Ana", 10],
    ]);
    const week = (await board("?period=week")).body;
    assert.deepEqual([week.periodStart, week.live], ["2026-06-08T00:00:00.000Z", false]);
    const day = await board("?period=day");
    assert.equal(day.body.period, "day");
    assert.deepEqual(ranks(day.body), [[1, "Ana", 10]]);
  });
  await t.step("limit cuts the board", async () => {
    assert.deepEqual(ranks((await board("?period=week&limit=2")).body), [
      [1, "Cai", 50],
      [2, "Ben", 20],
    ]);
    assert.equal((await board("?limit=100")).body.entries.length, 3);
  });
  await t.step("a known chat without a board yet: empty, never computed", async () => {
    const { status, body } = await http.get(`/api/chats/${QUIET}/leaderboard`, auth);
    assert.equal(status, 200);
    assert.deepEqual(body, {
      chatId: QUIET,
      period: "all",
      computedAt: null,
      periodStart: "1970-01-01T00:00:00.000Z",
      live: false,
      entries: [],
    });
  });
  await t.step("bad period 400 names the allowed values", async () => {
    const { status, body } = await board("?period=year");
    assert.equal(status, 400);
    assert.equal(body.error, 'query period="year": expected one of all, month, week, day');
  });
  await t.step("bad limit 400", async () => {
    for (const limit of ["0", "101", "abc", "2.5", "", "0x10", " 7", "1e2", "010"]) {
      const { status, body } = await board(`?limit=${encodeURIComponent(limit)}`);
      assert.equal(status, 400, limit);
      assert.equal(
        body.error,
        `query limit=${JSON.stringify(limit)}: expected a whole number from 1 to 100`,
      );
    }
    const twice = await board("?limit=1&limit=abc");
    assert.equal(twice.status, 400);
    assert.equal(twice.body.error, "query limit given 2 times: expected it once");
  });
  await t.step("non-numeric chat 400, unknown chat 404", async () => {
    const bad = await http.get("/api/chats/abc/leaderboard", auth);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'chat must be a numeric Telegram id, got "abc"');
    const unknown = await http.get("/api/chats/-999/leaderboard", auth);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, "unknown chat -999");
  });
  await t.step(
    "a chat id past 2^53 - 1 is 400 saying so, not that it is not a number",
    async () => {
      for (const id of ["-9223372036854775808", "9007199254740992", "-100000000000000000"]) {
        const { status, body } = await http.get(`/api/chats/${id}/leaderboard`, auth);
        assert.equal(status, 400, id);
        assert.equal(
          body.error,
          `chat must be a numeric Telegram id within ±9007199254740991 (2^53 - 1), got "${id}"`,
        );
      }
      const edge = await http.get("/api/chats/-9007199254740991/leaderboard", auth);
      assert.equal(edge.status, 404, "the last safe id is an id: no such chat");
    },
  );
});

Deno.test("GET /api/chats/:chat/members/:user is the member's profile", async (t) => {
  await using db = await testDatabase();
  await bookClub(db);
  await using http = app(db);

  await t.step("everything about Ana, ranks from the cached boards", async () => {
    const { status, body } = await http.get(`/api/chats/${CHAT}/members/1`, auth);
    assert.equal(status, 200);
    assert.deepEqual(body, {
      chatId: CHAT,
      userId: 1,
      name: "Ana",
      username: "ana",
      level: 1,
      levelName: "Newcomer I",
      xp: 60,
      nextLevelXp: 100,
      progress: 0.6,
      counters: { messages: 42, links: 2, thanksReceived: 1 },
      streak: { current: 3, best: 5, protections: 1 },
      lives: { current: 2, max: 5 },
      rank: { all: 1, month: 3, week: 3, day: 1 },
      badges: 0,
    });
  });
  await t.step("off the boards: ranks are null; defaults for streak and lives", async () => {
    const { body } = await http.get(`/api/chats/${CHAT}/members/4`, auth);
    assert.deepEqual(body.rank, { all: null, month: null, week: null, day: null });
    assert.deepEqual(body.streak, { current: 0, best: 0, protections: 0 });
    assert.deepEqual(body.lives, { current: 5, max: 5 });
    assert.equal(body.progress, 0);
  });
  await t.step("badges are counted (Cai earned two, and their bonus XP)", async () => {
    const { body } = await http.get(`/api/chats/${CHAT}/members/3`, auth);
    assert.equal(body.badges, 2);
    assert.equal(body.xp, 50 + 20 + 25);
    assert.deepEqual(body.rank, { all: 2, month: 1, week: 1, day: null });
  });
  await t.step("unknown member 404, unknown chat 404, non-numeric ids 400", async () => {
    const member = await http.get(`/api/chats/${CHAT}/members/999`, auth);
    assert.equal(member.status, 404);
    assert.equal(member.body.error, `unknown member 999 in chat ${CHAT}`);
    const chat = await http.get("/api/chats/-999/members/1", auth);
    assert.equal(chat.status, 404);
    assert.equal(chat.body.error, "unknown chat -999");
    const user = await http.get(`/api/chats/${CHAT}/members/ana`, auth);
    assert.equal(user.status, 400);
    assert.equal(user.body.error, 'user must be a numeric Telegram id, got "ana"');
    const chatId = await http.get("/api/chats/book-club/members/1", auth);
    assert.equal(chatId.status, 400);
    assert.equal(chatId.body.error, 'chat must be a numeric Telegram id, got "book-club"');
  });
});

import assert from "node:assert/strict";
import { Hono } from "hono";
import type postgres from "postgres";
import { createLogger } from "../actors/log.ts";
import { connectClient } from "../db/connect.ts";
import { adjustXp, memberLedger, resetXp, UnknownMember } from "../domain/admin_xp.ts";
import { leaderboardRecalcJob } from "../domain/boards.ts";
import { adminApiRoutes } from "../routes/admin_api.ts";
import { errorHandler } from "../routes/errors.ts";
import { testDatabase } from "./db.ts";
import { community, runJob } from "./fakes/community.ts";
import { serve } from "./fakes/http.ts";

const TOKEN = "s3cret-admin-token-0123";
const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

const balance = async (sql: postgres.Sql, user: number, chat = -1) =>
  (await sql<
    { xp: number }[]
  >`SELECT xp FROM members WHERE chat_id = ${chat} AND user_id = ${user}`)[0]
    .xp;
const audits = (sql: postgres.Sql) =>
  sql<{ author: string; action: string; chat_id: number; user_id: number; detail: unknown }[]>`
    SELECT author, action, chat_id, user_id, detail FROM admin_actions ORDER BY id`;

Deno.test("give, take and reset: the balance moves, one admin ledger row and one audit row each", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -1 }, [{ user: 7, xp: 40 }]);
  const move = { chatId: -1, userId: 7, author: "ana" };

  const given = await adjustXp(db.sql, { ...move, amount: 25, reason: "  helped at the meetup " });
  assert.equal(given.applied, 25);
  assert.equal(given.xp, 65);
  assert.ok(given.ledgerId !== null);
  const taken = await adjustXp(db.sql, { ...move, amount: -15, reason: "spam" });
  assert.deepEqual([taken.applied, taken.xp], [-15, 50]);
  const reset = await resetXp(db.sql, { ...move, reason: "fresh start" });
  assert.deepEqual([reset.applied, reset.xp], [-50, 0]);
  assert.equal(await balance(db.sql, 7), 0);

  const lines = await memberLedger(db.sql, -1, 7, { limit: 10 });
  assert.deepEqual(
    lines.map((l) => [l.amount, l.reason, l.source, l.author, l.note]),
    [
      [-50, "admin", `admin:${reset.auditId}`, "ana", "fresh start"],
      [-15, "admin", `admin:${taken.auditId}`, "ana", "spam"],
      [25, "admin", `admin:${given.auditId}`, "ana", "helped at the meetup"],
    ],
  );
  assert.deepEqual(lines.map((l) => l.id), [reset.ledgerId, taken.ledgerId, given.ledgerId]);
  assert.ok(lines.every((l) => l.at instanceof Date));
  assert.deepEqual([...await audits(db.sql)], [
    {
      author: "ana",
      action: "give-xp",
      chat_id: -1,
      user_id: 7,
      detail: { requested: 25, applied: 25, reason: "helped at the meetup" },
    },
    {
      author: "ana",
      action: "take-xp",
      chat_id: -1,
      user_id: 7,
      detail: { requested: -15, applied: -15, reason: "spam" },
    },
    {
      author: "ana",
      action: "reset-xp",
      chat_id: -1,
      user_id: 7,
      detail: { requested: -50, applied: -50, reason: "fresh start" },
    },
  ]);

  // keyset paging: the next page starts below the last id seen
  const page = await memberLedger(db.sql, -1, 7, { limit: 2, beforeId: taken.ledgerId! });
  assert.deepEqual(page.map((l) => l.id), [given.ledgerId]);
});

Deno.test("a take of more than the balance takes the balance; nothing to take writes an audit row but no ledger row", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -1 }, [{ user: 7, xp: 30 }, { user: 8 }]);
  const clamped = await adjustXp(db.sql, {
    chatId: -1,
    userId: 7,
    amount: -100,
    reason: "abuse",
    author: "api",
  });
  assert.deepEqual([clamped.applied, clamped.xp], [-30, 0]);
  const nothing = await adjustXp(db.sql, {
    chatId: -1,
    userId: 7,
    amount: -5,
    reason: "again",
    author: "api",
  });
  assert.deepEqual([nothing.applied, nothing.xp, nothing.ledgerId], [0, 0, null]);
  const empty = await resetXp(db.sql, { chatId: -1, userId: 8, reason: "nothing", author: "api" });
  assert.deepEqual([empty.applied, empty.xp, empty.ledgerId], [0, 0, null]);
  const [{ n }] = await db.sql`SELECT count(*)::int AS n FROM xp_ledger`;
  assert.equal(n, 1);
  assert.deepEqual((await audits(db.sql)).map((a) => a.detail), [
    { requested: -100, applied: -30, reason: "abuse" },
    { requested: -5, applied: 0, reason: "again" },
    { requested: 0, applied: 0, reason: "nothing" },
  ]);
  await assert.rejects(
    adjustXp(db.sql, { chatId: -1, userId: 99, amount: 5, reason: "x", author: "api" }),
    (e: Error) => e instanceof UnknownMember && e.message === "unknown member 99 in chat -1",
  );
  await assert.rejects(
    adjustXp(db.sql, { chatId: -1, userId: 7, amount: 1.5, reason: "x", author: "api" }),
    (e: Error) => e instanceof RangeError && e.message.startsWith("amount:"),
  );
  await assert.rejects(
    resetXp(db.sql, { chatId: -1, userId: 7, reason: "   ", author: "api" }),
    (e: Error) => e instanceof RangeError && e.message.startsWith("reason:"),
  );
});

Deno.test("gives and takes from two connections at once: never below zero, no update lost", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -1 }, [{ user: 7, xp: 50 }]);
  const embedded = db.kind === "embedded";
  const a = connectClient(db.url, { embedded, max: 4 });
  const b = connectClient(db.url, { embedded, max: 4 });
  try {
    const moves = (sql: postgres.Sql, amounts: number[], author: string) =>
      amounts.map((amount) =>
        adjustXp(sql, { chatId: -1, userId: 7, amount, reason: "race", author })
      );
    const settled = await Promise.allSettled([
      ...moves(a, Array(12).fill(-9), "a"),
      ...moves(b, Array(12).fill(-8), "b"),
      ...moves(a, [5, 5, 5], "a"),
      ...moves(b, [7, 7], "b"),
    ]);
    // allSettled: a failed move is reported here, not left racing the clients' end
    const failures = settled.flatMap((r) => r.status === "rejected" ? [String(r.reason)] : []);
    assert.deepEqual(failures, []);
    const results = settled.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
    const applied = results.reduce((sum, r) => sum + r.applied, 0);
    const final = await balance(db.sql, 7);
    assert.equal(final, 50 + applied, "every applied change is in the balance");
    assert.ok(results.every((r) => r.xp >= 0));
    // Replayed in ledger order (ids are taken under the member's lock), the balance never dips.
    const ledger = await db.sql<{ amount: number }[]>`
      SELECT amount FROM xp_ledger WHERE chat_id = -1 AND user_id = 7 ORDER BY id`;
    let running = 50;
    for (const { amount } of ledger) {
      running += amount;
      assert.ok(running >= 0, `balance went to ${running}`);
    }
    assert.equal(running, final);
    const [{ n }] = await db.sql`SELECT count(*)::int AS n FROM admin_actions`;
    assert.equal(n, 29);
  } finally {
    await a.end();
    await b.end();
  }
});

Deno.test("admin moves count on the board after the next recalc", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -1 }, [{ user: 7 }, { user: 8 }]);
  await db.sql`
    INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source)
    VALUES (-1, 7, 20, 'message', 'm1'), (-1, 8, 30, 'message', 'm2')`;
  await db.sql`UPDATE members SET xp = CASE user_id WHEN 7 THEN 20 ELSE 30 END`;
  await adjustXp(db.sql, { chatId: -1, userId: 7, amount: 25, reason: "prize", author: "api" });
  await adjustXp(db.sql, { chatId: -1, userId: 8, amount: -10, reason: "spam", author: "api" });
  const [{ now }] = await db.sql<{ now: Date }[]>`SELECT now()`;
  await runJob(leaderboardRecalcJob(), db.sql, now);
  const board = await db.sql`
    SELECT user_id, score::int, rank FROM leaderboard_entries
    WHERE chat_id = -1 AND period = 'all' ORDER BY position`;
  assert.deepEqual(board.map((r) => [r.user_id, r.score, r.rank]), [[7, 45, 1], [8, 20, 2]]);
});

Deno.test("POST /api/chats/:chat/members/:user/xp: moves XP; bad input is refused by name with nothing stored", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -1 }, [{ user: 7, xp: 10 }]);
  const app = new Hono().route("/api", adminApiRoutes({ sql: db.sql, adminToken: TOKEN }));
  app.onError(errorHandler(createLogger({ level: "silent" })));
  await using http = serve(app);
  const post = (body: unknown, path = "/api/chats/-1/members/7/xp") =>
    http.get(path, {
      method: "POST",
      headers,
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  const ok = await post({ amount: -25, reason: "flooding" });
  assert.equal(ok.status, 200);
  assert.equal(typeof ok.body.auditId, "number");
  assert.deepEqual({ ...ok.body, auditId: 0, ledgerId: typeof ok.body.ledgerId }, {
    chatId: -1,
    userId: 7,
    applied: -10,
    xp: 0,
    ledgerId: "number",
    auditId: 0,
  });
  const [audit] = await audits(db.sql);
  assert.equal(audit.author, "api");

  for (
    const [body, error] of [
      ["{not json", /^bad JSON body/],
      [[1, 2], /^body: expected a JSON object/],
      [{ reason: "x" }, /amount: expected a non-zero whole number/],
      [{ amount: 0, reason: "x" }, /amount: /],
      [{ amount: "5", reason: "x" }, /amount: .*got "5"/],
      [{ amount: 2.5, reason: "x" }, /amount: /],
      [{ amount: 1_000_001, reason: "x" }, /amount: /],
      ['{"amount":1e400,"reason":"x"}', /amount: .*got Infinity \(out of range\)$/],
      [{ amount: 5 }, /reason: missing \(expected 1 to 200 characters\)$/],
      [{ amount: 5, reason: "   " }, /reason: /],
      [{ amount: 5, reason: "x".repeat(201) }, /reason: .*got 201/],
      [{ amount: 5, reason: "😀".repeat(201) }, /reason: .*got 201/],
      [{ amount: 5, reason: "a\u0000b" }, /reason: control character U\+0000 not allowed/],
      [{ amount: 5, reason: "two\nlines" }, /reason: control character U\+000A/],
      [{ amount: 5, reason: "x", author: "eve" }, /author: unknown field/],
    ] as const
  ) {
    const res = await post(body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.match(res.body.error, error);
  }
  assert.match(
    (await post({ amount: 5, reason: "x" }, "/api/chats/abc/members/7/xp")).body.error,
    /^chat must be/,
  );
  const [{ ledger, actions }] = await db.sql`
    SELECT (SELECT count(*)::int FROM xp_ledger) AS ledger, (SELECT count(*)::int FROM admin_actions) AS actions`;
  assert.deepEqual([ledger, actions], [1, 1], "nothing stored by a refused request");
  assert.equal(await balance(db.sql, 7), 0);
  const emoji = await post({ amount: 1, reason: "😀".repeat(200) });
  assert.equal(emoji.status, 200, "200 characters, however many UTF-16 units");
  await post({ amount: -1, reason: "undo" });

  const member = await post({ amount: 5, reason: "x" }, "/api/chats/-1/members/99/xp");
  assert.deepEqual([member.status, member.body.error], [404, "unknown member 99 in chat -1"]);
  const chat = await post({ amount: 5, reason: "x" }, "/api/chats/-5/members/7/xp");
  assert.deepEqual([chat.status, chat.body.error], [404, "unknown chat -5"]);
  const anonymous = await http.get("/api/chats/-1/members/7/xp", { method: "POST", body: "{}" });
  assert.equal(anonymous.status, 401);
});

Deno.test("GET …/ledger pages a member's lines newest first with ISO dates", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -1 }, [{ user: 7 }]);
  const app = new Hono().route("/api", adminApiRoutes({ sql: db.sql, adminToken: TOKEN }));
  app.onError(errorHandler(createLogger({ level: "silent" })));
  await using http = serve(app);
  for (const amount of [1, 2, 3]) {
    await adjustXp(db.sql, { chatId: -1, userId: 7, amount, reason: `r${amount}`, author: "ana" });
  }
  const first = await http.get("/api/chats/-1/members/7/ledger?limit=2", { headers });
  assert.equal(first.status, 200);
  assert.deepEqual(first.body.lines.map((l: { amount: number }) => l.amount), [3, 2]);
  const line = first.body.lines[0];
  assert.deepEqual(Object.keys(line).sort(), [
    "amount",
    "at",
    "author",
    "id",
    "note",
    "reason",
    "source",
  ]);
  assert.equal(new Date(line.at).toISOString(), line.at);
  const next = await http.get(
    `/api/chats/-1/members/7/ledger?limit=2&before=${first.body.lines[1].id}`,
    {
      headers,
    },
  );
  assert.deepEqual(next.body.lines.map((l: { note: string }) => l.note), ["r1"]);
  const bad = await http.get("/api/chats/-1/members/7/ledger?limit=0", { headers });
  assert.deepEqual([bad.status, bad.body.error], [
    400,
    'query limit="0": expected a whole number from 1 to 100',
  ]);
  const badBefore = await http.get("/api/chats/-1/members/7/ledger?before=x", { headers });
  assert.equal(badBefore.status, 400);
  const unknown = await http.get("/api/chats/-1/members/8/ledger", { headers });
  assert.deepEqual([unknown.status, unknown.body.error], [404, "unknown member 8 in chat -1"]);
});

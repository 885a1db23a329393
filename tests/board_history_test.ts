import assert from "node:assert/strict";
import type { Sql } from "postgres";
import { boardHistoryBench } from "../bench/board_history.ts";
import { leaderboardRecalcJob } from "../domain/boards.ts";
import { syncLevels } from "../domain/levels.ts";
import { testDatabase } from "./db.ts";
import { community, runJob } from "./fakes/community.ts";

const CHAT = -700;
const NOW = "2026-11-25T12:00:00Z"; // a Wednesday: the week began on the 23rd, the month on the 1st

async function setup(users = 8) {
  const db = await testDatabase();
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  await community(
    db.sql,
    { id: CHAT, title: "History" },
    Array.from({ length: users }, (_, i) => ({ user: i + 1, name: `P${i + 1}` })),
  );
  return db;
}

/** Ledger rows `[user, amount, ISO time]`, credited to the balances as every award is. */
async function pay(sql: Sql, rows: Array<[number, number, string]>, tag = "r") {
  await sql`
    WITH paid AS (
      INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
      SELECT ${CHAT}, r.user_id, r.amount, 'test', ${tag}::text || r.n, r.at
      FROM json_to_recordset(${
    JSON.stringify(rows.map(([user_id, amount, at], n) => ({ user_id, amount, at, n })))
  }::text::json) AS r(user_id bigint, amount int, at timestamptz, n int)
      RETURNING chat_id, user_id, amount)
    UPDATE members m SET xp = m.xp + p.amount
    FROM (SELECT chat_id, user_id, sum(amount) AS amount FROM paid GROUP BY chat_id, user_id) p
    WHERE m.chat_id = p.chat_id AND m.user_id = p.user_id`;
}

/** A cached board as `[rank, user, score, reached_at]`, in position order. */
async function cached(sql: Sql, period: string) {
  const rows = await sql<{ rank: number; user_id: number; score: number; reached_at: Date }[]>`
    SELECT rank, user_id::int, score::int, reached_at FROM leaderboard_entries
    WHERE chat_id = ${CHAT} AND period = ${period} ORDER BY position`;
  return rows.map((r) => [r.rank, r.user_id, r.score, r.reached_at.toISOString()]);
}

/** The all-time board as it was computed before issue 18: the whole ledger, summed. */
async function ledgerBoard(sql: Sql) {
  const rows = await sql<{ rank: number; user_id: number; score: number; reached_at: Date }[]>`
    SELECT rank() OVER (ORDER BY score DESC)::int AS rank, user_id::int, score::int, reached_at
    FROM (
      SELECT user_id, sum(amount) AS score, max(created_at) FILTER (WHERE amount > 0) AS reached_at
      FROM xp_ledger l WHERE chat_id = ${CHAT}
      GROUP BY user_id HAVING sum(amount) > 0
    ) s
    WHERE NOT EXISTS (SELECT 1 FROM members m
                      WHERE m.chat_id = ${CHAT} AND m.user_id = s.user_id AND (m.hidden OR m.is_bot))
    ORDER BY score DESC, reached_at, user_id
    LIMIT 100`;
  return rows.map((r) => [r.rank, r.user_id, r.score, r.reached_at.toISOString()]);
}

Deno.test("the all-time board from the balances is the ledger's: sums, ranks, ties and when each score was reached", async () => {
  await using db = await setup();
  await pay(db.sql, [
    [1, 300, "2025-03-01T10:00:00Z"], // last year only: reached long before the periods
    [2, 200, "2025-01-01T10:00:00Z"],
    [2, 100, "2026-11-24T09:00:00Z"], // 300 too, reached this week: after P1
    [3, 350, "2026-10-01T10:00:00Z"],
    [3, -50, "2026-11-25T08:00:00Z"], // a take after the last gain: reached stays October
    [4, 300, "2026-11-24T09:00:00Z"], // 300 at the same instant as P2: the id decides
    [5, 40, "2026-11-25T11:00:00Z"],
    [6, 40, "2026-11-25T11:00:00Z"],
    [7, 10, "2026-02-01T00:00:00Z"],
    [7, -10, "2026-11-02T00:00:00Z"], // back to nothing: off the board
  ]);
  await runJob(leaderboardRecalcJob(), db.sql, NOW);
  const board = await cached(db.sql, "all");
  assert.deepEqual(board, await ledgerBoard(db.sql));
  assert.deepEqual(board.map(([rank, user, score]) => [rank, user, score]), [
    [1, 1, 300],
    [1, 3, 300],
    [1, 2, 300],
    [1, 4, 300],
    [5, 5, 40],
    [5, 6, 40],
  ]);
});

Deno.test("a tie across the 100th place keeps those who reached the score first", async () => {
  await using db = await setup(0);
  // 120 members on 10 XP; member n reached it n minutes after 10:00, in reverse id order.
  await db.sql`
    INSERT INTO members (chat_id, user_id, display_name, xp)
    SELECT ${CHAT}, n, 'M' || n, 0 FROM generate_series(1, 120) n`;
  await pay(
    db.sql,
    Array.from({ length: 120 }, (_, i): [number, number, string] => [
      i + 1,
      10,
      new Date(Date.parse("2026-11-20T10:00:00Z") + (120 - i) * 60_000).toISOString(),
    ]),
  );
  await runJob(leaderboardRecalcJob(), db.sql, NOW);
  const board = await cached(db.sql, "all");
  assert.equal(board.length, 100);
  assert.deepEqual(board, await ledgerBoard(db.sql));
  assert.deepEqual(board.map(([, user]) => user), Array.from({ length: 100 }, (_, i) => 120 - i));
  assert.ok(board.every(([rank]) => rank === 1));
});

Deno.test("hidden members and bots are off the all-time board and ranked around", async () => {
  await using db = await setup();
  await pay(db.sql, [
    [1, 90, "2026-11-24T09:00:00Z"],
    [2, 80, "2026-01-24T09:00:00Z"],
    [3, 70, "2026-11-25T09:00:00Z"],
    [4, 60, "2026-11-25T10:00:00Z"],
  ]);
  await db.sql`UPDATE members SET hidden = true WHERE chat_id = ${CHAT} AND user_id = 1`;
  await db.sql`UPDATE members SET is_bot = true WHERE chat_id = ${CHAT} AND user_id = 3`;
  await runJob(leaderboardRecalcJob(), db.sql, NOW);
  for (const period of ["all", "month", "week", "day"]) {
    const board = (await cached(db.sql, period)).map(([rank, user]) => [rank, user]);
    assert.ok(!board.some(([, user]) => user === 1 || user === 3), `${period}: ${board}`);
  }
  assert.deepEqual((await cached(db.sql, "all")).map(([rank, user]) => [rank, user]), [[1, 2], [
    2,
    4,
  ]]);
  assert.deepEqual(await cached(db.sql, "all"), await ledgerBoard(db.sql));
});

Deno.test("history before the current periods changes the all-time board only", async () => {
  await using db = await setup();
  await pay(db.sql, [
    [1, 30, "2026-11-25T09:00:00Z"], // today
    [2, 20, "2026-11-23T00:00:00Z"], // this week
    [3, 10, "2026-11-02T00:00:00Z"], // this month
  ]);
  const recalc = leaderboardRecalcJob();
  await runJob(recalc, db.sql, NOW);
  const periods = async () => ({
    month: await cached(db.sql, "month"),
    week: await cached(db.sql, "week"),
    day: await cached(db.sql, "day"),
  });
  const before = await periods();
  assert.deepEqual(before.day.map(([rank, user, score]) => [rank, user, score]), [[1, 1, 30]]);

  // Years of history: every member, every day from 2024 up to the end of October.
  await db.sql`
    WITH paid AS (
      INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
      SELECT ${CHAT}, u, 1 + (u + d) % 5, 'test', 'old:' || u || ':' || d,
             '2024-01-01T00:00:00Z'::timestamptz + d * interval '1 day'
      FROM generate_series(1, 8) u, generate_series(0, 1034) d
      RETURNING user_id, amount)
    UPDATE members m SET xp = m.xp + p.amount
    FROM (SELECT user_id, sum(amount) AS amount FROM paid GROUP BY user_id) p
    WHERE m.chat_id = ${CHAT} AND m.user_id = p.user_id`;
  const [{ last }] = await db.sql`SELECT max(created_at) AS last FROM xp_ledger
                                  WHERE created_at < '2026-11-01'`;
  assert.equal(last.toISOString(), "2026-10-31T00:00:00.000Z", "history ends before the month");
  await runJob(recalc, db.sql, NOW);
  assert.deepEqual(await periods(), before, "day, week and month unchanged");
  const all = await cached(db.sql, "all");
  assert.deepEqual(all, await ledgerBoard(db.sql));
  assert.equal(all.length, 8);
  // Members 4…8 earned nothing this month: their reached_at is their last day of history.
  assert.ok(
    all.filter(([, user]) => (user as number) > 3).every(([, , , reached]) =>
      reached === "2026-10-31T00:00:00.000Z"
    ),
  );
});

Deno.test("a balance the ledger never paid is on the board, reached when the member joined", async () => {
  await using db = await setup(2);
  await db.sql`UPDATE members SET xp = 25, created_at = '2026-05-01T00:00:00Z'
               WHERE chat_id = ${CHAT} AND user_id = 2`;
  await pay(db.sql, [[1, 25, "2026-11-25T09:00:00Z"]]);
  await runJob(leaderboardRecalcJob(), db.sql, NOW);
  assert.deepEqual(await cached(db.sql, "all"), [
    [1, 2, 25, "2026-05-01T00:00:00.000Z"],
    [1, 1, 25, "2026-11-25T09:00:00.000Z"],
  ]);
});

Deno.test("the board-history bench's ledger and balances agree, and so do its boards", async () => {
  await using db = await testDatabase();
  const line = await boardHistoryBench(db.sql, { members: 300, small: 1_000, large: 2_500 });
  assert.deepEqual([line.job, line.members, line.ledger_small, line.ledger_large], [
    "board-history",
    300,
    1_000,
    2_500,
  ]);
  const [{ off }] = await db.sql`
    SELECT count(*)::int AS off FROM members m
    LEFT JOIN (SELECT chat_id, user_id, sum(amount) AS total FROM xp_ledger GROUP BY 1, 2) s
      ON s.chat_id = m.chat_id AND s.user_id = m.user_id
    WHERE m.xp <> coalesce(s.total, 0)`;
  assert.equal(off, 0, "every balance is its ledger's sum");
  const [{ chat }] = await db.sql`SELECT min(chat_id) AS chat FROM members`;
  const [{ n }] = await db.sql`SELECT count(*)::int AS n FROM leaderboard_entries
                               WHERE period = 'all' AND chat_id = ${chat}`;
  assert.equal(n, 100);
});

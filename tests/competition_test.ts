import assert from "node:assert/strict";
import type { Sql } from "postgres";
import { badgeCheckJob, syncBadges } from "../domain/badges.ts";
import { leaderboardResetJob } from "../domain/board_reset.ts";
import { leaderboardRecalcJob, periodStart, readBoard } from "../domain/boards.ts";
import { syncLevels } from "../domain/levels.ts";
import { testDatabase } from "./db.ts";
import { community, creditLedger, outbox, runJob } from "./fakes/community.ts";

const CHAT = -300;

const ledger = (sql: Sql, rows: Array<[number, number, string]>) => creditLedger(sql, CHAT, rows);

async function setup() {
  const db = await testDatabase();
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  await syncBadges(db.sql);
  await community(
    db.sql,
    { id: CHAT, title: "Arena" },
    [1, 2, 3, 4, 5, 6].map((user) => ({ user, name: `P${user}` })),
  );
  return db;
}

const board = async (sql: Sql, period: "all" | "month" | "week" | "day") =>
  (await readBoard(sql, CHAT, period, 100)).entries.map((e) => [e.rank, e.userId, e.score]);

Deno.test("periods: weeks start on Monday 00:00 UTC, months on the 1st", () => {
  const at = new Date("2026-11-25T13:00:00Z"); // a Wednesday
  assert.equal(periodStart("week", at).toISOString(), "2026-11-23T00:00:00.000Z");
  assert.equal(
    periodStart("week", new Date("2026-11-23T00:00:00Z")).toISOString(),
    "2026-11-23T00:00:00.000Z",
  );
  assert.equal(
    periodStart("week", new Date("2026-11-22T23:59:59Z")).toISOString(),
    "2026-11-16T00:00:00.000Z",
  );
  assert.equal(periodStart("month", at).toISOString(), "2026-11-01T00:00:00.000Z");
  assert.equal(periodStart("day", at).toISOString(), "2026-11-25T00:00:00.000Z");
});

Deno.test("ranking: ties share a rank (1, 2, 2, 4), ordered by who reached the score first, then id", async () => {
  await using db = await setup();
  await ledger(db.sql, [
    [1, 50, "2026-11-24T10:00:00Z"],
    [3, 30, "2026-11-24T09:00:00Z"], // reaches 30 before 2 and 4
    [2, 20, "2026-11-24T08:00:00Z"],
    [2, 10, "2026-11-24T11:00:00Z"], // 30 at 11:00
    [4, 30, "2026-11-24T11:00:00Z"], // 30 at 11:00 too: the id decides
    [5, 10, "2026-11-24T12:00:00Z"],
  ]);
  await runJob(leaderboardRecalcJob(), db.sql, "2026-11-25T12:00:00Z");
  assert.deepEqual(await board(db.sql, "all"), [[1, 1, 50], [2, 3, 30], [2, 2, 30], [2, 4, 30], [
    5,
    5,
    10,
  ]]);
});

Deno.test("boards per period: Monday and the 1st are boundaries; last week's XP is not on this week's board", async () => {
  await using db = await setup();
  await ledger(db.sql, [
    [1, 40, "2026-10-31T23:59:59Z"], // October, the week of Oct 26
    [2, 30, "2026-11-22T23:59:59Z"], // Sunday: last week, this month
    [3, 20, "2026-11-23T00:00:00Z"], // Monday 00:00: this week
    [4, 10, "2026-11-25T08:00:00Z"], // today
  ]);
  const recalc = leaderboardRecalcJob();
  await runJob(recalc, db.sql, "2026-11-25T12:00:00Z");
  assert.deepEqual(await board(db.sql, "all"), [[1, 1, 40], [2, 2, 30], [3, 3, 20], [4, 4, 10]]);
  assert.deepEqual(await board(db.sql, "month"), [[1, 2, 30], [2, 3, 20], [3, 4, 10]]);
  assert.deepEqual(await board(db.sql, "week"), [[1, 3, 20], [2, 4, 10]]);
  assert.deepEqual(await board(db.sql, "day"), [[1, 4, 10]]);
  const before = await db.sql`SELECT * FROM leaderboard_entries ORDER BY period, position`;
  await runJob(recalc, db.sql, "2026-11-25T12:00:00Z");
  assert.deepEqual(
    await db.sql`SELECT * FROM leaderboard_entries ORDER BY period, position`,
    before,
    "run twice: the same boards",
  );
});

Deno.test("a weekly reset archives the closing week once and announces its top three once", async () => {
  await using db = await setup();
  await ledger(db.sql, [
    [1, 10, "2026-11-17T10:00:00Z"],
    [2, 30, "2026-11-18T10:00:00Z"],
    [3, 20, "2026-11-19T10:00:00Z"],
    [4, 5, "2026-11-20T10:00:00Z"],
    [5, 99, "2026-11-23T00:00:01Z"], // the new week: not in the archive
  ]);
  const reset = leaderboardResetJob("week");
  for (let i = 0; i < 2; i++) await runJob(reset, db.sql, "2026-11-23T00:00:00Z");
  const archive = await db.sql`
    SELECT period_start, rank, user_id, score FROM leaderboard_archive ORDER BY position`;
  assert.deepEqual(archive.map((a) => [a.period_start.toISOString(), a.rank, a.user_id, a.score]), [
    ["2026-11-16T00:00:00.000Z", 1, 2, 30],
    ["2026-11-16T00:00:00.000Z", 2, 3, 20],
    ["2026-11-16T00:00:00.000Z", 3, 1, 10],
    ["2026-11-16T00:00:00.000Z", 4, 4, 5],
  ]);
  const messages = await outbox(db.sql);
  assert.equal(messages.length, 1, "one announcement, however many runs");
  assert.equal(
    messages[0].text,
    "🏁 Final board for the week of 16 November 2026:\n🥇 P2 — 30 XP\n🥈 P3 — 20 XP\n🥉 P1 — 10 XP",
  );
  const [ledgerRows] = await db.sql`SELECT count(*)::int AS n FROM xp_ledger`;
  assert.equal(ledgerRows.n, 5, "nothing destroyed");
});

Deno.test("a podium of a hundred ties names ten and counts the rest, under Telegram's 4,096 characters", async () => {
  await using db = await testDatabase();
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  const users = Array.from({ length: 100 }, (_, i) => i + 1);
  const name = (u: number) => `Maximiliano Alejandro Fernández-Rodríguez ${u}`;
  await community(
    db.sql,
    { id: CHAT, title: "Arena" },
    users.map((user) => ({ user, name: name(user) })),
  );
  await ledger(db.sql, users.map((u): [number, number, string] => [u, 10, "2026-11-18T10:00:00Z"]));
  await runJob(leaderboardResetJob("week"), db.sql, "2026-11-23T00:00:00Z");
  const [message] = await outbox(db.sql);
  const lines = message.text.split("\n");
  assert.equal(lines.length, 1 + 10 + 1);
  // 43 characters: cut to NAME_MAX (40), as every digest cuts a name.
  assert.equal(lines[1], "🥇 Maximiliano Alejandro Fernández-Rodrígu… — 10 XP");
  assert.equal(lines.at(-1), "…and 90 more members");
  assert.ok(message.text.length <= 4096, `${message.text.length} characters`);
});

Deno.test("a monthly reset archives the closing month", async () => {
  await using db = await setup();
  await ledger(db.sql, [[1, 10, "2026-10-31T23:00:00Z"], [2, 10, "2026-11-01T00:00:00Z"]]);
  await runJob(leaderboardResetJob("month"), db.sql, "2026-11-01T00:00:00Z");
  const archive = await db.sql`SELECT period, period_start, user_id FROM leaderboard_archive`;
  assert.deepEqual(archive.map((a) => [a.period, a.period_start.toISOString(), a.user_id]), [
    ["month", "2026-10-01T00:00:00.000Z", 1],
  ]);
});

Deno.test("a closed month's podium in the group's language, scores grouped", async () => {
  await using db = await setup();
  await ledger(db.sql, [[1, 12_345, "2026-10-30T10:00:00Z"], [2, 12_345, "2026-10-31T10:00:00Z"]]);
  await db.sql`UPDATE chats SET language = 'es'`;
  await runJob(leaderboardResetJob("month"), db.sql, "2026-11-01T00:00:00Z");
  const [message] = await outbox(db.sql);
  assert.equal(
    message.text,
    "🏁 Clasificación final de octubre de 2026:\n🥇 P1 — 12.345 XP\n🥇 P2 — 12.345 XP",
  );
});

Deno.test("a badge is earned once however often badge-check runs: bonus XP once, one message", async () => {
  await using db = await setup();
  await db.sql`UPDATE members SET thanks_received = 5 WHERE user_id = 2`;
  await db.sql`UPDATE members SET thanks_received = 4, messages_count = 100 WHERE user_id = 3`;
  const check = badgeCheckJob();
  const first = await runJob(check, db.sql, "2026-11-25T10:00:00Z");
  assert.equal(first.changed, 2);
  for (const hour of ["11", "12", "13"]) await runJob(check, db.sql, `2026-11-25T${hour}:00:00Z`);
  const earned = await db.sql`SELECT user_id, badge_id FROM member_badges ORDER BY user_id`;
  assert.deepEqual(earned.map((e) => [e.user_id, e.badge_id]), [[2, "helpful"], [3, "chatterbox"]]);
  const bonus = await db
    .sql`SELECT user_id, amount FROM xp_ledger WHERE reason = 'badge' ORDER BY user_id`;
  assert.deepEqual(bonus.map((b) => [b.user_id, b.amount]), [[2, 25], [3, 20]]);
  const [m] = await db.sql`SELECT xp FROM members WHERE user_id = 2`;
  assert.equal(m.xp, 25, "the bonus is on the balance once");
  const messages = await outbox(db.sql);
  assert.equal(messages.length, 1);
  assert.equal(messages[0].text, "🎖 New badges:\n📬 Chatterbox — P3\n🤝 Helpful — P2");
});

Deno.test("a badge digest names the first 30 awards of its group and counts the rest", async () => {
  await using db = await setup();
  await community(
    db.sql,
    { id: -900, title: "Busy" },
    Array.from({ length: 35 }, (_, i) => ({ user: 100 + i, name: `M${100 + i}` })),
  );
  await db.sql`UPDATE members SET messages_count = 100 WHERE chat_id = -900`;
  const r = await runJob(badgeCheckJob(), db.sql, "2026-11-25T10:00:00Z");
  assert.equal(r.changed, 35);
  const [digest] = (await outbox(db.sql)).filter((m) => m.chat_id === -900);
  const lines = digest.text.split("\n");
  assert.equal(lines[0], "🎖 New badges:");
  assert.deepEqual(
    lines.slice(1, 31),
    Array.from({ length: 30 }, (_, i) => `📬 Chatterbox — M${100 + i}`),
  );
  assert.deepEqual(lines.slice(31), ["…and 5 more"]);
});

/** A group of `names` (users `first`, `first + 1`, …), each of whom has earned Helpful's thanks. */
async function helpfulGroup(sql: Sql, id: number, first: number, names: string[]) {
  await community(
    sql,
    { id, title: `Group ${id}` },
    names.map((name, i) => ({ user: first + i, name })),
  );
  await sql`UPDATE members SET thanks_received = 5 WHERE chat_id = ${id}`;
}

/** Runs badge-check for `slot` and returns the lines of the digest group `id` got. */
async function digestLines(sql: Sql, id: number, slot: string): Promise<string[]> {
  await runJob(badgeCheckJob(), sql, slot);
  const [digest] = (await outbox(sql)).filter((m) => m.chat_id === id);
  return digest.text.split("\n");
}

Deno.test("a badge digest in the group's language: badge names, the count of the rest", async (t) => {
  await using db = await setup();
  await t.step("the chat's setting", async () => {
    await community(
      db.sql,
      { id: -901, title: "Ocupados" },
      Array.from({ length: 33 }, (_, i) => ({ user: 200 + i, name: `M${200 + i}` })),
    );
    await db.sql`UPDATE members SET messages_count = 100 WHERE chat_id = -901`;
    await db.sql`UPDATE members SET thanks_received = 5 WHERE chat_id = -901 AND user_id = 232`;
    await db.sql`UPDATE chats SET language = 'es' WHERE chat_id = -901`;
    const lines = await digestLines(db.sql, -901, "2026-11-25T10:00:00Z");
    assert.equal(lines[0], "🎖 Nuevas insignias:");
    assert.equal(lines[1], "📬 Parlanchín — M200");
    assert.deepEqual(lines.slice(31), ["…y 4 más"], "34 awards: 30 named");
  });
  await t.step("else the language most of those named speak", async () => {
    await helpfulGroup(db.sql, -902, 300, ["Ana", "Bea", "Cal"]);
    await db.sql`UPDATE members SET language_code = 'es-MX' WHERE user_id IN (300, 301)`;
    assert.deepEqual(await digestLines(db.sql, -902, "2026-11-25T11:00:00Z"), [
      "🎖 Nuevas insignias:",
      "🤝 Servicial — Ana",
      "🤝 Servicial — Bea",
      "🤝 Servicial — Cal",
    ]);
  });
  await t.step("members count once, however many badges they earned", async () => {
    await helpfulGroup(db.sql, -903, 400, ["Eva", "Flo", "Gus"]);
    // Eva (Spanish) earns three badges, Flo and Gus (no language: English) one each.
    await db.sql`
      UPDATE members SET language_code = 'es', messages_count = 100, links_shared = 10
      WHERE chat_id = -903 AND user_id = 400`;
    const lines = await digestLines(db.sql, -903, "2026-11-25T12:00:00Z");
    assert.equal(lines[0], "🎖 New badges:");
    assert.equal(lines.length, 6, "a title and five awards");
  });
});

import assert from "node:assert/strict";
import type { Sql } from "postgres";
import { badgeCheckJob, badgeProgress, syncBadges } from "../domain/badges.ts";
import { syncLevels } from "../domain/levels.ts";
import { createReadiness } from "../routes/readiness.ts";
import { testDatabase, type TestDb } from "./db.ts";
import { community, runJob } from "./fakes/community.ts";
import { serveApp } from "./fakes/http.ts";
import { testRuntime } from "./fakes/runtime.ts";

const CHAT = -2001;
const OTHER = -2002;
const NOW = new Date("2026-11-20T12:00:00Z");
const TOKEN = "case-badges-admin-token-0123";
const auth = { headers: { authorization: `Bearer ${TOKEN}` } };

/** A chat with members 1..`members`, badges and levels written: seed 001's rows come from 0014. */
async function setup(db: TestDb, members = 10) {
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  await syncBadges(db.sql);
  const people = Array.from({ length: members }, (_, i) => ({ user: i + 1, name: `M${i + 1}` }));
  await community(db.sql, { id: CHAT, title: "Dilemmas" }, people);
  await community(db.sql, { id: OTHER, title: "Elsewhere" }, people);
}

let caseTag = 0;
/** `n` cases with options a/b and verdict "a", closed or open; their ids. */
async function cases(sql: Sql, n: number, status: "closed" | "open" = "closed") {
  const tag = ++caseTag;
  const rows = await sql<{ id: string }[]>`
    INSERT INTO cases (source, source_key, title, body, options, verdict, reasoning, salt, commitment,
                       status, opens_at, closes_at, closed_at)
    SELECT 'bank', 'test-' || ${tag} || '-' || k, '{"en":"t"}', '{"en":"b"}',
           '[{"id":"a"},{"id":"b"}]', 'a', '{"en":"r"}', 'salt', 'commit', ${status},
           ${NOW}::timestamptz - interval '2 days', ${NOW}::timestamptz - interval '1 day',
           CASE WHEN ${status} = 'closed' THEN ${NOW}::timestamptz - interval '1 day' END
    FROM generate_series(1, ${n}) k ORDER BY k RETURNING id`;
  return rows.map((r) => Number(r.id));
}

/** `user` votes `option` in each case, from `chat`. */
async function vote(sql: Sql, user: number, ids: number[], option = "a", chat = CHAT) {
  await sql`INSERT INTO case_votes (case_id, user_id, chat_id, option, voted_at)
            SELECT id, ${user}, ${chat}, ${option}, ${NOW} FROM unnest(${ids}::bigint[]) id`;
}

let messageId = 0;
/** `user` argues once in each case; `rank` marks a top-3 argument. */
async function argue(sql: Sql, user: number, ids: number[], rank: number | null = null) {
  const first = messageId + 1;
  messageId += ids.length;
  await sql`INSERT INTO case_arguments (case_id, chat_id, message_id, user_id, text, posted_at, rank)
            SELECT id, ${CHAT}, ${first} + ord, ${user}, 'because', ${NOW}, ${rank}
            FROM unnest(${ids}::bigint[]) WITH ORDINALITY AS t(id, ord)`;
}

/** The case badges (`case_…`) each member holds in `chat`, by user. */
async function held(sql: Sql, chat = CHAT) {
  const rows = await sql<{ user_id: string; badge_id: string }[]>`
    SELECT user_id, badge_id FROM member_badges
    WHERE chat_id = ${chat} AND badge_id LIKE 'case\\_%' ORDER BY user_id, badge_id`;
  const out: Record<number, string[]> = {};
  for (const r of rows) (out[Number(r.user_id)] ??= []).push(r.badge_id.slice(5));
  return out;
}

async function progressOf(sql: Sql, user: number, options = {}) {
  const p = await badgeProgress(sql, CHAT, user, options);
  assert.ok(p);
  return Object.fromEntries(p.badges.map((b) => [b.id, b]));
}

Deno.test("the nine case badges are written with their bonus points", async () => {
  await using db = await testDatabase();
  await syncBadges(db.sql);
  const rows = await db.sql<{ id: string; emoji: string; threshold: number; bonus_xp: number }[]>`
    SELECT id, emoji, threshold, bonus_xp FROM badges WHERE id LIKE 'case\\_%' ORDER BY bonus_xp, id`;
  assert.deepEqual(rows.map((r) => `${r.emoji} ${r.id} ${r.threshold} ${r.bonus_xp}`), [
    "🔗 case_blockchain_ready 1 50",
    "🏆 case_first_victory 1 50",
    "🚀 case_early_adopter 1 100",
    "💬 case_master_debater 1 100",
    "⭐ case_active_member 20 150",
    "🔥 case_winning_streak 5 200",
    "🗳️ case_dedicated_voter 50 250",
    "🎯 case_persuasion_expert 3 300",
    "👑 case_champion 10 500",
  ]);
});

Deno.test("wins: 1 → First Victory, 4 → no Winning Streak, 5 → yes, 9/10 → Champion at 10; an open case's votes are no win", async () => {
  await using db = await testDatabase();
  const { sql } = db;
  await setup(db);
  const closed = await cases(sql, 10);
  const open = await cases(sql, 2, "open");
  await vote(sql, 1, closed.slice(0, 1)); // 1 win
  await vote(sql, 2, closed.slice(0, 2)); // 2 wins
  await vote(sql, 3, closed.slice(0, 4)); // 4 wins
  await vote(sql, 4, closed.slice(0, 5)); // 5 wins
  await vote(sql, 5, closed.slice(0, 9)); // 9 wins
  await vote(sql, 6, closed); // 10 wins
  await vote(sql, 7, closed.slice(0, 4)); // 4 wins, and the verdict of two open cases
  await vote(sql, 7, open);
  await vote(sql, 8, closed, "b"); // 10 votes, none for the verdict
  await vote(sql, 9, closed.slice(0, 5), "a", OTHER); // 5 wins, from the other chat
  await runJob(badgeCheckJob(), sql, NOW);
  assert.deepEqual(await held(sql), {
    1: ["first_victory"],
    2: ["first_victory"],
    3: ["first_victory"],
    4: ["first_victory", "winning_streak"],
    5: ["first_victory", "winning_streak"],
    6: ["champion", "first_victory", "winning_streak"],
    7: ["first_victory"],
  });
  assert.deepEqual(await held(sql, OTHER), { 9: ["first_victory", "winning_streak"] });
  const two = await progressOf(sql, 2);
  assert.deepEqual(two.case_winning_streak, {
    id: "case_winning_streak",
    name: "Winning Streak",
    emoji: "🔥",
    earned: false,
    count: 2,
    threshold: 5,
    unit: "wins",
    progress: "2/5 wins",
  });
  assert.equal(two.case_first_victory.progress, "1/1 wins");
  assert.equal(two.case_first_victory.earned, true);
  const seven = await progressOf(sql, 7);
  assert.equal(seven.case_winning_streak.progress, "4/5 wins", "open cases are not won yet");
  assert.equal(seven.case_dedicated_voter.progress, "6/50 votes", "but their votes are votes");
  assert.equal(seven.case_active_member.progress, "4/20 cases", "and not participations");
  assert.equal((await progressOf(sql, 8)).case_first_victory.progress, "0/1 wins");
  assert.equal((await progressOf(sql, 9)).case_first_victory.progress, "0/1 wins", "per chat");
  assert.equal((await progressOf(sql, 5)).case_champion.progress, "9/10 wins");
});

Deno.test("top-3 arguments: 1 → Master Debater, 2 → no Persuasion Expert, 3 → yes; unranked and open ones don't count", async () => {
  await using db = await testDatabase();
  const { sql } = db;
  await setup(db);
  const closed = await cases(sql, 3);
  const open = await cases(sql, 1, "open");
  await argue(sql, 1, closed.slice(0, 1), 1);
  await argue(sql, 2, closed.slice(0, 2), 2);
  await argue(sql, 3, closed, 3);
  await argue(sql, 4, closed); // three arguments, none in a top 3
  await argue(sql, 5, open, 1); // ranked, but the case is open
  await runJob(badgeCheckJob(), sql, NOW);
  assert.deepEqual(await held(sql), {
    1: ["master_debater"],
    2: ["master_debater"],
    3: ["master_debater", "persuasion_expert"],
  });
  assert.equal((await progressOf(sql, 2)).case_persuasion_expert.progress, "2/3 top-3 arguments");
  assert.equal((await progressOf(sql, 4)).case_active_member.progress, "3/20 cases");
  assert.equal((await progressOf(sql, 5)).case_master_debater.progress, "0/1 top-3 arguments");
});

Deno.test("Active Member at 20 closed cases voted or argued in (each case once); Dedicated Voter at 50 votes", async () => {
  await using db = await testDatabase();
  const { sql } = db;
  await setup(db);
  const closed = await cases(sql, 50);
  await vote(sql, 1, closed.slice(0, 19), "b");
  await vote(sql, 2, closed.slice(0, 10), "b");
  await argue(sql, 2, closed.slice(5, 15)); // 5 of them where 2 also voted: 15 cases
  await vote(sql, 3, closed.slice(0, 15), "b");
  await argue(sql, 3, closed.slice(10, 20)); // 20 cases
  await vote(sql, 4, closed.slice(0, 49), "b");
  await vote(sql, 5, closed, "b");
  await runJob(badgeCheckJob(), sql, NOW);
  assert.deepEqual(await held(sql), {
    3: ["active_member"],
    4: ["active_member"],
    5: ["active_member", "dedicated_voter"],
  });
  const p = await progressOf(sql, 4);
  assert.equal(p.case_dedicated_voter.progress, "49/50 votes");
  assert.equal((await progressOf(sql, 1)).case_active_member.progress, "19/20 cases");
  assert.equal((await progressOf(sql, 2)).case_active_member.progress, "15/20 cases");
});

Deno.test("a badge's bonus XP is in the ledger once, however often badge-check runs", async () => {
  await using db = await testDatabase();
  const { sql } = db;
  await setup(db);
  await vote(sql, 1, await cases(sql, 5));
  const first = await runJob(badgeCheckJob(), sql, NOW);
  const second = await runJob(badgeCheckJob(), sql, new Date(NOW.getTime() + 3_600_000));
  assert.equal(first.changed, 2);
  assert.equal(second.changed, 0);
  const ledger = await sql<{ source: string; amount: number }[]>`
    SELECT source, amount FROM xp_ledger WHERE chat_id = ${CHAT} AND user_id = 1 AND reason = 'badge'
    ORDER BY source`;
  assert.deepEqual(ledger.map((r) => [r.source, r.amount]), [
    ["case_first_victory", 50],
    ["case_winning_streak", 200],
  ]);
  const [m] = await sql<
    { xp: string }[]
  >`SELECT xp FROM members WHERE chat_id = ${CHAT} AND user_id = 1`;
  assert.equal(Number(m.xp), 250);
});

Deno.test("Early Adopter: joined before EARLY_ADOPTER_UNTIL; never without the date", async () => {
  await using db = await testDatabase();
  const { sql } = db;
  await setup(db, 3);
  await sql`UPDATE members SET created_at = CASE user_id WHEN 1 THEN '2026-01-01T00:00:00Z'::timestamptz
            WHEN 2 THEN '2026-03-01T00:00:00Z'::timestamptz ELSE '2026-03-02T00:00:00Z'::timestamptz END`;
  const until = new Date("2026-03-01T00:00:00Z");
  await runJob(badgeCheckJob(), sql, NOW);
  assert.deepEqual(await held(sql), {}, "no date, no early adopters");
  assert.equal((await progressOf(sql, 1)).case_early_adopter.progress, "0/1 early join");
  assert.equal(
    (await progressOf(sql, 1, { earlyAdopterUntil: until })).case_early_adopter.progress,
    "1/1 early join",
  );
  await runJob(badgeCheckJob({ earlyAdopterUntil: until }), sql, NOW);
  assert.deepEqual(await held(sql), { 1: ["early_adopter"] }, "strictly before the date");
  assert.deepEqual(await held(sql, OTHER), { 1: ["early_adopter"] });
  const earned = await progressOf(sql, 1);
  assert.equal(earned.case_early_adopter.earned, true);
  assert.equal(earned.case_early_adopter.progress, "1/1 early join", "earned reads complete");
  const [l] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM xp_ledger WHERE source = 'case_early_adopter' AND amount = 100`;
  assert.equal(l.n, 2, "once per chat");
});

Deno.test("Blockchain Ready: a linked wallet, in every chat of the user", async () => {
  await using db = await testDatabase();
  const { sql } = db;
  await setup(db, 3);
  await sql`INSERT INTO wallets (user_id, address) VALUES (2, '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed')`;
  await runJob(badgeCheckJob(), sql, NOW);
  assert.deepEqual(await held(sql), { 2: ["blockchain_ready"] });
  assert.deepEqual(await held(sql, OTHER), { 2: ["blockchain_ready"] });
  assert.equal((await progressOf(sql, 1)).case_blockchain_ready.progress, "0/1 linked wallet");
  assert.equal((await progressOf(sql, 2)).case_blockchain_ready.progress, "1/1 linked wallet");
});

Deno.test("the badge endpoints show the case badges, earned and in progress", async () => {
  await using db = await testDatabase();
  const { sql } = db;
  await setup(db, 2);
  await vote(sql, 1, await cases(sql, 2));
  await runJob(badgeCheckJob(), sql, NOW);
  const { runtime, clock } = testRuntime([]);
  const readiness = createReadiness({ ping: () => Promise.resolve(), clock });
  await using http = serveApp(runtime, readiness, { adminToken: TOKEN, sql });
  const progress = await http.get(`/api/chats/${CHAT}/members/1/badges/progress`, auth);
  assert.equal(progress.status, 200);
  assert.equal(progress.body.total, 16, "7 activity badges and 9 case badges");
  assert.equal(progress.body.earned, 1);
  type P = { id: string; earned: boolean; progress: string };
  const byId = Object.fromEntries(progress.body.badges.map((b: P) => [b.id, b]));
  assert.deepEqual(byId.case_winning_streak, {
    id: "case_winning_streak",
    name: "Winning Streak",
    emoji: "🔥",
    earned: false,
    progress: "2/5 wins",
  });
  assert.equal(byId.case_first_victory.earned, true);
  assert.equal(byId.case_champion.progress, "2/10 wins");
  assert.equal(byId.case_dedicated_voter.progress, "2/50 votes");
  assert.equal(byId.case_active_member.progress, "2/20 cases");
  assert.equal(byId.case_master_debater.progress, "0/1 top-3 arguments");
  const badges = await http.get(`/api/chats/${CHAT}/members/1/badges`, auth);
  assert.equal(badges.status, 200);
  assert.equal(badges.body.totalBadges, 1);
  assert.deepEqual(badges.body.badges, [{
    id: "case_first_victory",
    name: "First Victory",
    emoji: "🏆",
    description: "Voted for the verdict of 1 closed case",
    bonusXp: 50,
    earnedAt: NOW.toISOString(),
  }]);
});

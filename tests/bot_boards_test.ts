import assert from "node:assert/strict";
import type { Update } from "./fakes/bot_api.ts";
import { createLogger } from "../actors/log.ts";
import { createBot } from "../bot/bot.ts";
import { badgeCheckJob, syncBadges } from "../domain/badges.ts";
import { leaderboardRecalcJob } from "../domain/boards.ts";
import { syncLevels } from "../domain/levels.ts";
import { testDatabase, type TestDb } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { community, runJob, seedLedger } from "./fakes/community.ts";
import { groupMessage, type Person } from "./fakes/updates.ts";

const CHAT = -1001;
const NOW = new Date("2026-06-10T12:00:00Z"); // a Wednesday: the week began on 2026-06-08
const ana: Person = { id: 1, name: "Ana", username: "ana" };
const ben: Person = { id: 2, name: "Ben", username: "ben" };
const dee: Person = { id: 13, name: "Dee" };
const zed: Person = { id: 99, name: "Zed" };

/**
 * Book club at NOW: all-time, Ben leads (310), Members 3…12 follow (170 down to 80) and Ana is
 * twelfth (45); this week Ana leads (40) before Ben (10); nobody scored today. Dee has no XP.
 * Ana has 100 messages (Chatterbox, earned) and 3 thanks (Helpful, not yet).
 */
async function bookClub(db: TestDb) {
  const { sql } = db;
  await syncLevels(sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  await syncBadges(sql);
  const others = Array.from({ length: 10 }, (_, i) => i + 3);
  await community(sql, { id: CHAT, title: "Book club" }, [
    { user: ana.id, name: "Ana", xp: 45 },
    { user: ben.id, name: "Ben", xp: 310 },
    ...others.map((user) => ({ user, name: `Member ${user}`, xp: 200 - user * 10 })),
    { user: dee.id, name: "Dee" },
  ]);
  await sql`UPDATE members SET messages_count = 100, thanks_received = 3 WHERE user_id = ${ana.id}`;
  await seedLedger(sql, CHAT, [
    { user: ana.id, amount: 5, at: "2026-05-01T10:00:00Z" },
    { user: ana.id, amount: 40, at: "2026-06-09T10:00:00Z" },
    { user: ben.id, amount: 300, at: "2026-05-01T10:00:00Z" },
    { user: ben.id, amount: 10, at: "2026-06-09T11:00:00Z" },
    ...others.map((user) => ({ user, amount: 200 - user * 10, at: "2026-05-01T10:00:00Z" })),
  ]);
  await runJob(leaderboardRecalcJob(), sql, NOW);
  // the cached boards were computed two hours before the questions (the answers say so)
  await sql`UPDATE leaderboard_entries SET computed_at = ${NOW}::timestamptz - interval '2 hours'`;
  await runJob(badgeCheckJob(), sql, NOW);

  const api = botApiDouble({ limits: false });
  const bot = createBot({
    token: "123456:TEST",
    apiRoot: api.apiRoot,
    sql,
    log: createLogger({ level: "silent" }),
    xp: { perMessage: 1, perLink: 3, perThanks: 5, maxPerMinute: 10 },
    adminUserIds: [],
    runtime: () => undefined,
    now: () => NOW,
  });
  await bot.init();
  let messageId = 100;
  /** Sends `text` in the group as `from` and returns the bot's answer. */
  const ask = async (from: Person, text: string) => {
    const before = api.sent.length;
    const update = groupMessage({
      chat: CHAT,
      from,
      text,
      messageId: ++messageId,
      date: NOW,
      title: "Book club",
    });
    await bot.handleUpdate(update as unknown as Update);
    assert.equal(api.sent.length, before + 1, `one answer to ${text}`);
    return api.sent.at(-1)!.text;
  };
  return { api, ask };
}

Deno.test("/top shows the cached board: medals, ten places, and the caller's own rank below them", async (t) => {
  await using db = await testDatabase();
  const w = await bookClub(db);
  await using _api = w.api;

  await t.step("/top is the all-time board; Ana, twelfth, sees her place", async () => {
    const text = await w.ask(ana, "/top");
    const lines = text.split("\n");
    assert.equal(lines[0], "🏆 Leaderboard — all time (live)");
    assert.deepEqual(lines.slice(1, 5), [
      "🥇 Ben — 310 XP",
      "🥈 Member 3 — 170 XP",
      "🥉 Member 4 — 160 XP",
      "4. Member 5 — 150 XP",
    ]);
    assert.equal(lines[10], "10. Member 11 — 90 XP");
    assert.ok(!text.includes("Member 12"), "only ten places");
    assert.equal(lines.at(-1), "You: #12 with 65 XP", "live: the balance, with the badge bonus");
  });
  await t.step("/top week: Ana leads, so no extra line", async () => {
    assert.equal(
      await w.ask(ana, "/top week"),
      "🏆 Leaderboard — this week (as of 2 h ago)\n🥇 Ana — 40 XP\n🥈 Ben — 10 XP",
    );
  });
  await t.step("/top year answers with a one-line usage naming the wrong period", async () => {
    const text = await w.ask(ana, "/top year");
    assert.equal(
      text,
      "“year” is not a leaderboard period. Usage: /top [day|week|month|all] (also /leaderboard, /rank)",
    );
  });
  await t.step("/rank and /leaderboard are the same command", async () => {
    const rank = await w.ask(ben, "/rank");
    assert.match(rank, /^🏆 Leaderboard — all time \(live\)\n🥇 Ben — 310 XP/);
    assert.ok(!rank.includes("You:"), "Ben is on the podium");
    assert.equal(await w.ask(ben, "/leaderboard WEEK"), await w.ask(ben, "/top week"));
  });
  await t.step("an empty board says so; someone off the board is told", async () => {
    assert.equal(
      await w.ask(ana, "/top day"),
      "🏆 Nobody on the board for today yet: chat to get on it!",
    );
    assert.match(await w.ask(dee, "/top month"), /\nYou are not on this board yet\.$/);
  });
});

Deno.test("/badges lists what was earned and the progress toward the rest", async () => {
  await using db = await testDatabase();
  const w = await bookClub(db);
  await using _api = w.api;
  const text = await w.ask(ana, "/badges");
  const lines = text.split("\n");
  assert.equal(lines[0], "🎖 Ana: 1 of 16 badges"); // 7 activity and 9 case badges
  assert.equal(lines[1], "📬 Chatterbox");
  assert.equal(lines[2], "Next up:");
  assert.ok(lines.includes("🤝 Helpful — 3/5 thanks"), text);
  assert.ok(lines.includes("🌐 Linker — 0/10 links"), text);
  assert.ok(
    !lines.slice(2).some((l) => l.includes("Chatterbox")),
    "earned ones are not listed again",
  );
  assert.equal(
    await w.ask(zed, "/badges"),
    "No badges yet: say something in the group first, then try again!",
  );
});

Deno.test("/profile shows the all-time and weekly rank and the badge count", async () => {
  await using db = await testDatabase();
  const w = await bookClub(db);
  await using _api = w.api;
  const text = await w.ask(ana, "/profile");
  assert.match(text, /^👤 Ana\n/);
  assert.match(text, /Level 1 — Newcomer I · 65 XP/, "45 plus Chatterbox's 20 bonus");
  assert.match(text, /35 XP to level 2/);
  assert.match(text, /\n🏆 All time: #12 · This week: #1\n/);
  assert.match(text, /\n🎖 1 badge$/);
  const nobody = await w.ask(ana, "/profile @nobody");
  assert.equal(nobody, "@nobody has no profile in this chat yet.");
  const off = await w.ask(dee, "/profile");
  assert.match(off, /\n🏆 All time: not ranked · This week: not ranked\n🎖 0 badges$/);
});

Deno.test("/badges and /profile in Spanish name the badges and the level in Spanish", async () => {
  await using db = await testDatabase();
  const w = await bookClub(db);
  await using _api = w.api;
  const ana_es = { ...ana, language: "es" };
  const lines = (await w.ask(ana_es, "/badges")).split("\n");
  assert.equal(lines[0], "🎖 Ana: 1 de 16 insignias");
  assert.equal(lines[1], "📬 Parlanchín");
  assert.ok(lines.includes("🤝 Servicial — 3/5 agradecimientos"), lines.join("\n"));
  assert.ok(lines.includes("🏆 Primera victoria — 0/1 victorias"), lines.join("\n"));
  assert.match(await w.ask(ana_es, "/profile"), /\nNivel 1 — Novato I · 65 XP\n/);
});

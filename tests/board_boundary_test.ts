/**
 * Boards at a period boundary: until `leaderboard-recalc` runs again, the cached rows are last
 * period's, so `/top` and the board API read the new period live from the ledger instead.
 */
import assert from "node:assert/strict";
import { leaderboardRecalcJob } from "../domain/boards.ts";
import { createReadiness } from "../routes/readiness.ts";
import { testDatabase } from "./db.ts";
import { botApiDouble, type Update } from "./fakes/bot_api.ts";
import { testBot } from "./fakes/bot.ts";
import { fakeClock } from "./fakes/clock.ts";
import { community, creditLedger, runJob } from "./fakes/community.ts";
import { signIn } from "./fakes/dashboard_session.ts";
import { serveApp } from "./fakes/http.ts";
import { testRuntime } from "./fakes/runtime.ts";
import { groupMessage, type Person } from "./fakes/updates.ts";

const CHAT = -1301;
const TOKEN = "s3cret-admin-token-0123";
const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
const [ana, ben, cai, dee, eve] = [1, 2, 3, 4, 5].map((id): Person => ({ id, name: `P${id}` }));

Deno.test("boards right after a weekly or monthly boundary are the new period's, read live", async (t) => {
  await using db = await testDatabase();
  const { sql } = db;
  // Sunday 14 June, 23:45: the last recalculation of the week of 8 June.
  const clock = fakeClock("2026-06-14T23:45:00Z");
  await community(
    sql,
    { id: CHAT, title: "Chess club" },
    [ana, ben, cai, dee, eve].map((p) => ({
      user: p.id,
      name: p.name,
    })),
  );
  await sql`UPDATE members SET hidden = true WHERE user_id = ${eve.id}`;
  await creditLedger(sql, CHAT, [
    [ana.id, 40, "2026-06-09T10:00:00Z"],
    [ben.id, 10, "2026-06-09T11:00:00Z"],
    [ben.id, 7, "2026-06-14T20:00:00Z"],
  ]);
  await runJob(leaderboardRecalcJob(), sql, clock.now());

  await using api = botApiDouble({ limits: false });
  const bot = testBot(api, sql, { now: () => clock.now() });
  await bot.init();
  let messageId = 100;
  const ask = async (from: Person, text: string) => {
    const update = groupMessage({
      chat: CHAT,
      from,
      text,
      messageId: ++messageId,
      date: clock.now(),
    });
    await bot.handleUpdate(update as unknown as Update);
    return api.sent.at(-1)!.text;
  };
  const { runtime, clock: runtimeClock } = testRuntime([]);
  const readiness = createReadiness({ ping: () => Promise.resolve(), clock: runtimeClock });
  await using http = serveApp(runtime, readiness, {
    adminToken: TOKEN,
    sql,
    now: () => clock.now(),
  });
  const board = async (period: string) => {
    const { status, body } = await http.get(
      `/api/chats/${CHAT}/leaderboard?period=${period}`,
      auth,
    );
    assert.equal(status, 200);
    return body;
  };

  // Monday 15 June, 00:05: a new week and a new day; the 00:00 recalculation has not run yet.
  clock.set("2026-06-15T00:05:00Z");
  await creditLedger(sql, CHAT, [
    [cai.id, 6, "2026-06-15T00:01:00Z"],
    [ben.id, 6, "2026-06-15T00:03:00Z"],
    [eve.id, 50, "2026-06-15T00:04:00Z"], // hidden: never on a board
  ]);
  let liveWeek: unknown;

  await t.step(
    "/top week and day show the new period, labelled live, not last week's board",
    async () => {
      assert.equal(
        await ask(ana, "/top week"),
        "🏆 Leaderboard — this week (live)\n🥇 P3 — 6 XP\n🥇 P2 — 6 XP\nYou are not on this board yet.",
      );
      assert.equal(
        await ask({ ...ben, language: "es" }, "/top day"),
        "🏆 Clasificación — hoy (en directo)\n🥇 P3 — 6 XP\n🥇 P2 — 6 XP",
      );
    },
  );

  await t.step("the month has not turned: /top month stays the cached board", async () => {
    assert.equal(
      await ask(ana, "/top month"),
      "🏆 Leaderboard — this month (as of 20 min ago)\n🥇 P1 — 40 XP\n🥈 P2 — 17 XP",
    );
  });

  await t.step("the API says which period it is and whether it was read live", async () => {
    const week = await board("week");
    assert.deepEqual(
      { ...week, entries: undefined },
      {
        chatId: CHAT,
        period: "week",
        periodStart: "2026-06-15T00:00:00.000Z",
        live: true,
        computedAt: "2026-06-15T00:05:00.000Z",
        entries: undefined,
      },
    );
    assert.deepEqual(week.entries, [
      { rank: 1, userId: cai.id, name: "P3", score: 6, reachedAt: "2026-06-15T00:01:00.000Z" },
      { rank: 1, userId: ben.id, name: "P2", score: 6, reachedAt: "2026-06-15T00:03:00.000Z" },
    ]);
    liveWeek = week.entries;
    const month = await board("month");
    assert.equal(month.periodStart, "2026-06-01T00:00:00.000Z");
    assert.equal(month.live, false);
    assert.equal(month.computedAt, "2026-06-14T23:45:00.000Z");
    const all = await board("all");
    assert.equal(all.periodStart, "1970-01-01T00:00:00.000Z");
    assert.equal(all.live, false);
  });

  await t.step("a profile's ranks are the new period's too", async () => {
    const profile = async (userId: number) =>
      (await http.get(`/api/chats/${CHAT}/members/${userId}`, auth)).body;
    assert.deepEqual((await profile(ana.id)).rank, { all: 1, month: 1, week: null, day: null });
    assert.deepEqual((await profile(ben.id)).rank, { all: 2, month: 2, week: 1, day: 1 });
    assert.match(await ask(ben, "/profile"), /🏆 All time: #2 · This week: #1\n/);
  });

  await t.step("the dashboard's chat page shows the same live board, said to be live", async () => {
    const { cookie } = await signIn(http.base, TOKEN, "Ops");
    const page = (period: string) =>
      fetch(`${http.base}/chats/${CHAT}?period=${period}`, { headers: { cookie } }).then((r) =>
        r.text()
      );
    const week = await page("week");
    assert.match(week, /Live: this period began after the last recalculation/);
    const names = [...week.matchAll(/members\/(\d+)"/g)].map((m) => Number(m[1]));
    assert.deepEqual(names.filter((id) => id !== ana.id).slice(0, 2), [cai.id, ben.id]);
    assert.ok(!names.includes(ana.id), "last week's leader is not on this week's board");
    const month = await page("month");
    assert.doesNotMatch(month, /Live:/);
    assert.match(month, /Computed/);
  });

  await t.step(
    "once leaderboard-recalc ran, the cached board is the same as the live one was",
    async () => {
      await runJob(leaderboardRecalcJob(), sql, "2026-06-15T00:00:00Z");
      const week = await board("week");
      assert.equal(week.live, false);
      assert.equal(week.computedAt, "2026-06-15T00:00:00.000Z");
      assert.deepEqual(week.entries, liveWeek);
      assert.match(
        await ask(ana, "/top week"),
        /^🏆 Leaderboard — this week \(as of 5 min ago\)\n/,
      );
    },
  );

  await t.step("at a month boundary mid-week, the month is read live", async () => {
    clock.set("2026-07-01T00:10:00Z"); // a Wednesday
    await creditLedger(sql, CHAT, [[dee.id, 3, "2026-07-01T00:02:00Z"]]);
    const month = await board("month");
    assert.equal(month.periodStart, "2026-07-01T00:00:00.000Z");
    assert.equal(month.live, true);
    assert.deepEqual(month.entries.map((e: { userId: number }) => e.userId), [dee.id]);
    assert.equal(
      await ask({ ...dee, language: "es" }, "/top month"),
      "🏆 Clasificación — este mes (en directo)\n🥇 P4 — 3 XP",
    );
  });
});

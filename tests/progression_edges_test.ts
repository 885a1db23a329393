/** Progression texts and counts at their edges (levels past 100, jumps, bots, reruns). */
import assert from "node:assert/strict";
import { dailyReportJob } from "../domain/daily_report.ts";
import { levelBenefits } from "../domain/progress_names.ts";
import { syncLevels } from "../domain/levels.ts";
import { levelUpsJob } from "../domain/level_ups.ts";
import { liveBoard } from "../domain/live_board.ts";
import { streakExpiryJob } from "../domain/streak_expiry.ts";
import { testDatabase } from "./db.ts";
import { community, outbox, runJob } from "./fakes/community.ts";

Deno.test("levels past 100 promise no title: the last tier's is held already", () => {
  // LEVEL_MAX accepts up to 1,000; level 91 gave the Mythic title.
  assert.equal(levelBenefits("en", 91), "the Mythic title");
  assert.equal(levelBenefits("en", 101), null, "level 101 brings nothing new");
  assert.equal(levelBenefits("es", 111), null);
});

Deno.test("the daily report's top three leaves bots off, as every board does", async () => {
  await using db = await testDatabase();
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  await community(db.sql, { id: -100, title: "Rust Lovers" }, [
    { user: 1, name: "Ana", xp: 1 },
    { user: 2, name: "GroupHelpBot" },
  ]);
  await db.sql`UPDATE members SET is_bot = true WHERE user_id = 2`;
  await db.sql`UPDATE chats SET report_chat_id = -900 WHERE chat_id = -100`;
  await db.sql`INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
               VALUES (-100, 1, 1, 'message', 'm1', '2026-11-29T10:00:00Z')`;
  // the bot holds XP on Sunday (admins can no longer give a bot XP: tests/admin_xp_bots_test.ts)
  await db.sql`INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
               VALUES (-100, 2, 500, 'admin', 'admin:1', '2026-11-29T11:00:00Z')`;
  await db.sql`UPDATE members SET xp = 500 WHERE user_id = 2`;
  const live = await liveBoard(db.sql, -100, 10, 1);
  assert.deepEqual(live.entries.map((e) => e.name), ["Ana"], "the live board leaves the bot off");
  await runJob(dailyReportJob({ timezone: "UTC" }), db.sql, "2026-11-30T08:00:00Z");
  const [report] = await outbox(db.sql);
  assert.doesNotMatch(report.text, /GroupHelpBot/, report.text);
});

Deno.test("a jump of several levels lists the benefits of every level crossed (seed 000: benefits unlocked)", async () => {
  await using db = await testDatabase();
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  // level 1 → 6 at once (level 5 = 770 XP brings the Level Up! badge, level 6 = 1,120 XP)
  await community(db.sql, { id: -100, title: "Readers" }, [{
    user: 1,
    xp: 1200,
    startedBot: true,
    name: "Ana",
  }]);
  await runJob(levelUpsJob({ batchSize: 100, notify: true }), db.sql, "2026-05-01T06:00:00Z");
  const dm = (await outbox(db.sql)).find((m) => m.dedupe_key.startsWith("level-up-dm:"))!;
  assert.equal(
    dm.text,
    "🎉 You reached level 6 — Newcomer VI — in Readers!\nPrevious level: 1 — Newcomer I\n" +
      "Benefits: the Level Up! badge",
  );
});

Deno.test("streak-expiry's run details count this run's work: a rerun of the slot reports none", async () => {
  await using db = await testDatabase();
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  await community(db.sql, { id: -1, title: "Quizzers" }, [{ user: 1 }, { user: 2 }]);
  await db
    .sql`INSERT INTO streaks (chat_id, user_id, current, best, last_activity_at, protections) VALUES
    (-1, 1, 5, 5, '2026-05-07T12:00:00Z', 0), (-1, 2, 5, 5, '2026-05-07T12:00:00Z', 0)`;
  const job = streakExpiryJob();
  const first = await runJob(job, db.sql, "2026-05-10T00:00:00Z");
  assert.deepEqual(first.details, { broken: 2, brokenOnReturn: 0, protectionsSpent: 0 });
  const again = await runJob(job, db.sql, "2026-05-10T00:00:00Z");
  assert.equal(again.changed, 0);
  assert.deepEqual(
    again.details,
    { broken: 0, brokenOnReturn: 0, protectionsSpent: 0 },
    JSON.stringify(again.details),
  );
});

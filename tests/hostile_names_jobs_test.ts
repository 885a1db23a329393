import assert from "node:assert/strict";
import { badgeCheckJob, syncBadges } from "../domain/badges.ts";
import { syncLevels } from "../domain/levels.ts";
import { testDatabase } from "./db.ts";
import { community, outbox, runJob } from "./fakes/community.ts";

const CHAT = -4100;
const NOW = "2026-11-20T12:00:00Z";
/** The longest name Telegram gives: a 64-character first name, a space, a 64-character last. */
const longest = (u: number) => `${"Ñ".repeat(60)}${String(u).padStart(4, "0")} ${"ü".repeat(64)}`;

Deno.test("a badge digest naming thirty members with Telegram's longest names stays under 4,096 characters, sent once", async () => {
  await using db = await testDatabase();
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  await syncBadges(db.sql);
  const users = Array.from({ length: 40 }, (_, i) => i + 1);
  await community(
    db.sql,
    { id: CHAT, title: "Arena" },
    users.map((user) => ({ user, name: longest(user) })),
  );
  await db.sql`UPDATE members SET messages_count = 100 WHERE chat_id = ${CHAT}`;
  await runJob(badgeCheckJob(), db.sql, NOW);
  await runJob(badgeCheckJob(), db.sql, NOW);
  const messages = await outbox(db.sql);
  assert.equal(messages.length, 1);
  const lines = messages[0].text.split("\n");
  assert.equal(lines.at(-1), "…and 10 more");
  assert.ok(messages[0].text.length <= 4096, `${messages[0].text.length} characters`);
});

/**
 * Arguments the bot quotes back in its answer (a wrong `/profile` argument, a wrong `/givexp`
 * amount) are cut to a few characters: never in the middle of an emoji, whose half is no UTF-8 and
 * makes Telegram refuse the whole answer (the member got none).
 */
import assert from "node:assert/strict";
import { testDatabase } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { serveWebhook, testBot } from "./fakes/bot.ts";
import { community } from "./fakes/community.ts";
import { groupMessage, type Person } from "./fakes/updates.ts";

const NOW = new Date("2026-06-10T12:00:00Z");
const ana: Person = { id: 1, name: "Ana", username: "ana", language: "en" };
const GROUP = -100;

Deno.test("an argument quoted back is cut between characters, never inside an emoji: the answer arrives", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: GROUP, title: "G" }, [{ user: ana.id, name: "Ana" }]);
  await using api = botApiDouble({ limits: false });
  const bot = testBot(api, db.sql, { now: () => NOW, adminUserIds: [ana.id] });
  await bot.init();
  await using hook = serveWebhook(bot);
  let id = 10;
  async function say(text: string) {
    const before = api.sent.length;
    await hook.post(groupMessage({ chat: GROUP, from: ana, text, messageId: ++id, date: NOW }));
    const answers = api.sent.slice(before).map((m) => m.text);
    assert.equal(answers.length, 1, `one answer to ${JSON.stringify(text)}, got ${answers.length}`);
    return answers[0];
  }
  // the 32nd and 20th UTF-16 units are the first half of 😀
  const profile = await say(`/profile ${"a".repeat(31)}😀b`);
  assert.ok(profile.includes(`${"a".repeat(31)}`), profile);
  assert.ok(profile.isWellFormed(), "no half emoji");
  const givexp = await say(`/givexp @ana ${"1".repeat(19)}😀 thanks`);
  assert.ok(givexp.includes("1".repeat(19)), givexp);
  assert.equal((await db.sql`SELECT xp FROM members WHERE user_id = ${ana.id}`)[0].xp, 0);
});

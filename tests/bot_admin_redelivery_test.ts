/**
 * An admin's XP command whose update Telegram delivers again (a webhook answered late or with an
 * error, a poller that stopped before confirming it), on the same replica or on two at once, moves
 * the XP once; the repeat answers with what the first did.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { adminGroup, ana, ben, boss, GROUP, ops } from "./fakes/admin_group.ts";
import { serveWebhook, testBot } from "./fakes/bot.ts";
import { groupMessage } from "./fakes/updates.ts";

Deno.test("a /givexp or /takexp update delivered twice, or to two replicas at once, moves the XP once", async () => {
  await using g = await adminGroup();
  const update = (text: string, messageId: number) =>
    groupMessage({ chat: GROUP, from: boss, text, messageId, date: new Date() });
  const give = update("/givexp @ana 50 great answer", 900);
  await g.hook.post(give);
  await g.hook.post(give);
  assert.equal(await g.xpOf(ana.id), 1250);
  assert.deepEqual(g.api.sent.slice(-2).map((m) => m.text), [
    "✅ Gave 50 XP to Ana: 1,250 XP now.",
    "✅ Gave 50 XP to Ana: 1,250 XP now.",
  ]);

  const replica = postgres(g.db.url, { max: 1, onnotice: () => {} });
  const bot2 = testBot(g.api, replica, { adminUserIds: [ops.id] });
  await bot2.init();
  await using hook2 = serveWebhook(bot2);
  try {
    const take = update("/takexp @ben 10 spam", 901);
    await Promise.all([g.hook.post(take), hook2.post(take)]);
    assert.equal(await g.xpOf(ben.id), 20);
    assert.equal(await g.count("admin_actions"), 2, "one audit row per command");
  } finally {
    await replica.end();
  }
});

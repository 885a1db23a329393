import assert from "node:assert/strict";
import { badgeCheckJob, syncBadges } from "../domain/badges.ts";
import { syncLevels } from "../domain/levels.ts";
import { Bot } from "grammy";
import { createLogger } from "../actors/log.ts";
import { createDelivery } from "../bot/delivery.ts";
import { telegramLimits } from "../bot/pacer.ts";
import { testDatabase } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { fakeClock } from "./fakes/clock.ts";
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
  assert.equal(lines[1], `📬 Chatterbox — ${longest(1).slice(0, 39)}…`);

  // Telegram (the double refuses past 4,096 as it does) takes it, once; the rows are due at the
  // database's now() (in µs: a millisecond later is past it).
  const [{ due }] = await db.sql<{ due: Date }[]>`SELECT max(due_at) AS due FROM outbox`;
  await using api = botApiDouble({ limits: false });
  const bot = new Bot("123456:TEST", { client: { apiRoot: api.apiRoot } });
  const delivery = createDelivery({
    sql: db.sql,
    clock: fakeClock(new Date(due.getTime() + 1)),
    log: createLogger({ level: "silent" }),
    send: (chat, text) => bot.api.sendMessage(chat, text),
    limits: telegramLimits,
    node: "test",
  });
  for (let i = 0; i < 2; i++) {
    await delivery.deliver(await delivery.claim(), new AbortController().signal);
  }
  assert.deepEqual(api.sent.map((m) => m.chat_id), [CHAT]);
  assert.equal(api.sent[0].text, messages[0].text);
});

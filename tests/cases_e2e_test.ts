import assert from "node:assert/strict";
import { systemClock } from "../actors/clock.ts";
import { createLogger } from "../actors/log.ts";
import { createDelivery } from "../bot/delivery.ts";
import { telegramLimits } from "../bot/pacer.ts";
import { badgeCheckJob, syncBadges } from "../domain/badges.ts";
import { caseClosureJob } from "../domain/case_closure.ts";
import { caseGenerationJob } from "../domain/case_generation.ts";
import { bankProvider } from "../domain/case_provider.ts";
import { commitmentOf } from "../domain/case_texts.ts";
import { testDatabase } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { serveWebhook, testBot } from "./fakes/bot.ts";
import { community, runJob } from "./fakes/community.ts";
import { callbackQuery, groupMessage, privateMessage, reaction } from "./fakes/updates.ts";

const SECRET = "webhook-secret-123";
const GROUP = -700;
const OPEN = new Date("2026-06-01T00:00:00Z");
const during = (h: number) => new Date(OPEN.getTime() + h * 3_600_000);
const people = Array.from({ length: 6 }, (_, i) => ({ id: 11 + i, name: `P${i + 1}` }));
const [ana, ben, cai, dee, eve, fay] = people;

Deno.test("end to end: a case posted with its commitment, votes and arguments in Telegram, closure reveals a matching verdict, rewards paid once", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  let now = during(1);
  const bot = testBot(api, db.sql, { now: () => now });
  await using hook = serveWebhook(bot, SECRET);
  const post = hook.post;
  const delivery = createDelivery({
    sql: db.sql,
    clock: systemClock(),
    log: createLogger({ level: "silent" }),
    send: (chat, text, extra) => bot.api.sendMessage(chat, text, extra as never),
    limits: telegramLimits,
    node: "e2e",
  });
  const deliver = async () => {
    // The outbox's clock is the system's: the test's rows are due and not yet expired.
    await db.sql`UPDATE outbox SET due_at = now() - interval '1 second', expires_at = NULL
                 WHERE state = 'pending'`;
    await delivery.deliver(await delivery.claim(), new AbortController().signal);
  };

  await community(db.sql, { id: GROUP, title: "Thinkers" }, []);
  await db.sql`UPDATE chats SET cases_enabled = true WHERE chat_id = ${GROUP}`;
  await post(privateMessage({ from: ana, text: "/start", messageId: 1, date: OPEN }));
  const generation = caseGenerationJob({ provider: bankProvider(), votingHours: 24, rail: "xp" });
  assert.equal((await runJob(generation, db.sql, OPEN)).changed, 1);
  await deliver();
  const casePost = api.sent.find((m) => m.chat_id === GROUP)!;
  const commitment = casePost.text.match(/= ([0-9a-f]{64})$/)![1];
  const sendCall = api.calls.find((c) => c.method === "sendMessage" && c.params.chat_id === GROUP)!;
  const markup = sendCall.params.reply_markup;
  const keyboard = (typeof markup === "string" ? JSON.parse(markup) : markup).inline_keyboard;
  assert.deepEqual(keyboard.map((row: Array<{ callback_data: string }>) => row[0].callback_data), [
    "vote:1:return",
    "vote:1:police",
    "vote:1:keep",
  ]);

  // Votes through the buttons; one changes its mind; a vote after the close is refused.
  const vote = (who: typeof ana, option: string) =>
    post(callbackQuery({
      chat: GROUP,
      from: who,
      messageId: casePost.message_id,
      data: `vote:1:${option}`,
      date: now,
    }));
  const answers = () =>
    api.calls.filter((c) => c.method === "answerCallbackQuery").map((c) => c.params.text);
  for (
    const [who, option] of [[ana, "police"], [ben, "police"], [cai, "keep"], [
      dee,
      "return",
    ]] as const
  ) {
    await vote(who, option);
  }
  await vote(cai, "police");
  await vote(cai, "police");
  assert.deepEqual(answers().slice(-3), [
    "✅ Vote recorded: Return it in person. You can change it until the case closes.",
    "🔁 Vote changed to: Hand it to the police.",
    "You already voted: Hand it to the police.",
  ]);

  // Replies to the post are arguments; 👍 reactions are their votes (never one's own).
  let messageId = 100;
  const argue = async (who: typeof ana, text: string) => {
    await post(groupMessage({
      chat: GROUP,
      from: who,
      text,
      messageId: ++messageId,
      date: now,
      replyTo: { id: 999, name: "Warden", bot: true },
      replyToId: casePost.message_id,
      title: "Thinkers",
    }));
    return messageId;
  };
  const byEve = await argue(eve, "The police keep a record: that protects the owner and you.");
  const byFay = await argue(fay, "Return it yourself: it is faster and kinder.");
  const thumbs = (who: typeof ana, message: number, on = true) =>
    post(reaction({
      chat: GROUP,
      from: who,
      messageId: message,
      old: on ? [] : ["👍"],
      now: on ? ["👍"] : [],
      date: now,
    }));
  await thumbs(ana, byFay);
  await thumbs(ben, byEve);
  await thumbs(cai, byEve);
  await thumbs(eve, byEve); // her own: not counted
  await thumbs(dee, byEve);
  await thumbs(dee, byEve, false); // taken back
  await post(
    groupMessage({ chat: GROUP, from: ana, text: "just chatting", messageId: 150, date: now }),
  );

  now = during(25);
  await vote(dee, "police");
  assert.equal(answers().at(-1), "⌛ Case #1 is closed: votes are no longer taken.");
  await post(
    callbackQuery({ chat: GROUP, from: ana, messageId: 1, data: "vote:99:keep", date: now }),
  );
  assert.equal(answers().at(-1), "Unknown case #99.");

  const closure = caseClosureJob({ pool: 1000, rail: "xp" });
  assert.equal((await runJob(closure, db.sql, during(24))).changed, 1);
  assert.equal((await runJob(closure, db.sql, during(24.1))).changed, 0, "closed once");
  await deliver();
  const closing = api.sent.filter((m) => m.chat_id === GROUP).at(-1)!.text;
  const [, verdict, salt, hash] = closing.match(
    /sha256\("(\w+)" ‖ "([0-9a-f]+)"\) = ([0-9a-f]{64})$/,
  )!;
  assert.equal(verdict, "police");
  assert.equal(hash, commitment, "the revealed hash is the one published at opening");
  assert.equal(await commitmentOf(verdict, salt), commitment, "and anyone can recompute it");
  assert.match(
    closing,
    /6 participants; 3 voters picked it\.\nTop arguments:\n🥇 P5 \(2 👍\)\n🥈 P6 \(1 👍\)/,
  );

  const rewards = await db.sql`
    SELECT user_id::int AS u, sum(amount)::int AS xp FROM case_rewards GROUP BY user_id ORDER BY user_id`;
  // voters 400/3 (134, 133, 133); arguments 150, 90; participants 200/6 (34, 34, 33, 33, 33, 33)
  assert.deepEqual(rewards.map((r) => [r.u, r.xp]), [
    [11, 134 + 34],
    [12, 133 + 34],
    [13, 133 + 33],
    [14, 33],
    [15, 150 + 33],
    [16, 90 + 33],
  ]);
  const [ana_] = await db.sql`SELECT xp FROM members WHERE chat_id = ${GROUP} AND user_id = 11`;
  assert.equal(Number(ana_.xp), 168 + 1, "the case rewards and one XP for her chat message");
  assert.equal(
    api.sent.filter((m) => m.chat_id === ana.id && /Case #1 closed/.test(m.text)).length,
    1,
    "Ana started the bot: one private message with her reward",
  );

  // Badges follow: first wins for the three who picked the verdict, Master Debater for the top 2.
  await syncBadges(db.sql);
  await runJob(badgeCheckJob({}), db.sql, during(25));
  const badges = await db.sql`
    SELECT user_id::int AS u, string_agg(badge_id, ',' ORDER BY badge_id) AS b
    FROM member_badges WHERE badge_id LIKE 'case%' GROUP BY user_id ORDER BY user_id`;
  assert.deepEqual(badges.map((r) => `${r.u}: ${r.b}`), [
    "11: case_first_victory",
    "12: case_first_victory",
    "13: case_first_victory",
    "15: case_master_debater",
    "16: case_master_debater",
  ]);

  await post(
    groupMessage({ chat: GROUP, from: ben, text: "/verify 1", messageId: 200, date: now }),
  );
  assert.match(
    api.sent.at(-1)!.text,
    /✅ It matches the commitment published when the case opened\.$/,
  );
});

import assert from "node:assert/strict";
import type postgres from "postgres";
import { completeQuiz } from "../domain/quiz.ts";
import { quizQuestion } from "../domain/quiz_bank.ts";
import { testDatabase } from "./db.ts";
import { type BotApiDouble, botApiDouble } from "./fakes/bot_api.ts";
import { serveWebhook, testBot } from "./fakes/bot.ts";
import { groupMessage, type Person, privateMessage } from "./fakes/updates.ts";

const T0 = new Date("2026-06-01T10:00:00Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const READERS = -500, WRITERS = -501;
const ana: Person = { id: 21, name: "Ana", language: "en" };
const beto: Person = { id: 22, name: "Beto", language: "es" };
const carla: Person = { id: 23, name: "Carla", language: "en" };
const dora: Person = { id: 24, name: "Dora", language: "es" };

let updateId = 90_000;
const person = (p: Person) => ({
  id: p.id,
  is_bot: false,
  first_name: p.name,
  language_code: p.language,
});
const pollAnswer = (who: Person, pollId: string, option: number, id = ++updateId) => ({
  update_id: id,
  poll_answer: { poll_id: pollId, user: person(who), option_ids: [option] },
});
const privatePress = (who: Person, data: string, date: Date) => ({
  update_id: ++updateId,
  callback_query: {
    id: `cq${updateId}`,
    from: person(who),
    chat_instance: `ci${who.id}`,
    data,
    message: {
      message_id: 1,
      date: Math.floor(date.getTime() / 1000),
      chat: { id: who.id, type: "private", first_name: who.name },
      from: { id: 999, is_bot: true, first_name: "Warden", username: "warden_test_bot" },
      text: "…",
    },
  },
});

/** The quiz polls sent to `chat`, with the id `poll_answer` refers to and the bank question. */
function polls(api: BotApiDouble, chat: number) {
  return api.calls.filter((c) => c.method === "sendPoll" && c.params.chat_id === chat).map((c) => {
    const options = c.params.options as Array<{ text: string }>;
    return { params: c.params, options: options.map((o) => o.text) };
  });
}
const texts = (api: BotApiDouble, chat: number) =>
  api.sent.filter((m) => m.chat_id === chat).map((m) => m.text);
const state = async (sql: postgres.Sql, user: number, chat = READERS) => {
  const [r] = await sql<{ xp: number; lives: number; streak: number | null; paid: number }[]>`
    SELECT m.xp::int AS xp, coalesce(l.current, 5) AS lives, s.current AS streak,
           (SELECT count(*)::int FROM xp_ledger x WHERE x.chat_id = m.chat_id
              AND x.user_id = m.user_id AND x.reason = 'quiz') AS paid
    FROM members m
    LEFT JOIN lives l ON l.chat_id = m.chat_id AND l.user_id = m.user_id
    LEFT JOIN streaks s ON s.chat_id = m.chat_id AND s.user_id = m.user_id
    WHERE m.chat_id = ${chat} AND m.user_id = ${user}`;
  return r;
};

Deno.test("/quiz through the webhook: one life, native quiz polls one at a time, scored on poll_answer, XP paid once despite redelivery", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  let now = at(0);
  await using hook = serveWebhook(testBot(api, db.sql, { now: () => now }));
  let messageId = 1;
  const say = (who: Person, chat: number, text: string, title: string) =>
    hook.post(groupMessage({ chat, from: who, text, messageId: messageId++, date: now, title }));
  await say(ana, READERS, "hello readers", "Readers");
  await say(beto, READERS, "hola", "Readers");
  assert.deepEqual(await state(db.sql, ana.id), { xp: 1, lives: 5, streak: 1, paid: 0 });

  await hook.post(privateMessage({ from: ana, text: "/quiz", messageId: messageId++, date: now }));
  assert.equal(
    texts(api, ana.id).at(-1),
    "🧠 Quiz for Readers: 5 questions, 2 XP per right answer, 10 minutes. One life spent: 4 lives left.",
  );
  assert.equal((await state(db.sql, ana.id)).lives, 4, "exactly one life");
  assert.equal(polls(api, ana.id).length, 1, "one question at a time");

  // Three right answers, two wrong; the first answer is redelivered (same and new update id).
  const picks: number[] = [];
  for (let i = 0; i < 5; i++) {
    const poll = polls(api, ana.id)[i];
    assert.equal(poll.params.type, "quiz");
    assert.equal(poll.params.is_anonymous, false);
    const question = (poll.params.question as string).match(/^(\d)\/5 · (.+)$/)!;
    assert.equal(question[1], String(i + 1));
    const correct = poll.params.correct_option_id as number;
    assert.deepEqual(poll.params.correct_option_ids, [correct]);
    const pollId = await db.sql<{ poll_id: string; question_id: number }[]>`
      SELECT poll_id, question_id FROM quiz_polls WHERE position = ${i}`;
    const q = quizQuestion(pollId[0].question_id);
    assert.equal(question[2], q.text.en.question);
    assert.deepEqual(poll.options, q.text.en.options);
    const pick = i < 3 ? correct : (correct + 1) % poll.options.length;
    picks.push(pick);
    const update = pollAnswer(ana, pollId[0].poll_id, pick);
    await hook.post(update);
    if (i === 0) {
      await hook.post(update);
      await hook.post(pollAnswer(ana, pollId[0].poll_id, pick));
      // a change of mind is not taken (Telegram's quizzes allow none either)
      await hook.post(pollAnswer(ana, pollId[0].poll_id, (pick + 1) % poll.options.length));
      assert.equal(polls(api, ana.id).length, 2, "a redelivered answer asks nothing more");
    }
    now = at(i + 1);
  }
  assert.equal(polls(api, ana.id).length, 5);
  assert.equal(
    texts(api, ana.id).at(-1),
    "🏁 Quiz over: 3 of 5 right, +6 XP in Readers. Your streak counts today.",
  );
  assert.deepEqual(await state(db.sql, ana.id), { xp: 1 + 6, lives: 4, streak: 1, paid: 1 });

  // The last answer redelivered, with its update id and with a new one: nothing more.
  const [last] = await db.sql<{ poll_id: string }[]>`
    SELECT poll_id FROM quiz_polls WHERE position = 4`;
  const sentBefore = api.sent.length;
  const again = pollAnswer(ana, last.poll_id, picks[4]);
  await hook.post(again);
  await hook.post(again);
  await hook.post(pollAnswer(ana, last.poll_id, picks[4]));
  assert.equal(api.sent.length, sentBefore, "no second result message");
  // Completing the session again (another replica, the API) answers the result, unpaid.
  const [{ id }] = await db.sql<{ id: number }[]>`SELECT id::int FROM quiz_sessions`;
  const repeat = await completeQuiz(db.sql, { sessionId: id, at: now });
  assert.deepEqual(repeat.kind === "completed" && [repeat.correct, repeat.xp, repeat.paid], [
    3,
    6,
    false,
  ]);
  assert.deepEqual(await state(db.sql, ana.id), { xp: 7, lives: 4, streak: 1, paid: 1 });
});

Deno.test("/quiz refused without lives, naming when the next one comes, in English and Spanish; answers after 10 minutes pay nothing", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  let now = at(0);
  await using hook = serveWebhook(testBot(api, db.sql, { now: () => now }));
  let messageId = 1;
  for (const who of [ana, beto]) {
    await hook.post(
      groupMessage({
        chat: READERS,
        from: who,
        text: "hi",
        messageId: messageId++,
        date: now,
        title: "Readers",
      }),
    );
  }
  await db.sql`
    INSERT INTO lives (chat_id, user_id, current, max, last_refill_at)
    VALUES (${READERS}, ${ana.id}, 0, 5, ${at(-5)}), (${READERS}, ${beto.id}, 0, 5, ${at(-5)})`;
  for (const who of [ana, beto]) {
    await hook.post(
      privateMessage({ from: who, text: "/quiz", messageId: messageId++, date: now }),
    );
  }
  assert.equal(
    texts(api, ana.id).at(-1),
    "💔 No lives left in Readers. The next one comes in 25 min.",
  );
  assert.equal(
    texts(api, beto.id).at(-1),
    "💔 No te quedan vidas en Readers. La próxima llega en 25 min.",
  );
  assert.equal(polls(api, ana.id).length + polls(api, beto.id).length, 0);
  assert.equal((await state(db.sql, beto.id)).lives, 0);

  // 26 minutes later Beto has a life again: the quiz starts, in Spanish, and he answers too late.
  now = at(26);
  await hook.post(privateMessage({ from: beto, text: "/quiz", messageId: messageId++, date: now }));
  assert.equal(
    texts(api, beto.id).at(-1),
    "🧠 Cuestionario para Readers: 5 preguntas, 2 XP por acierto, 10 minutos. Has gastado una vida: ya no te quedan vidas.",
  );
  await hook.post(privateMessage({ from: beto, text: "/quiz", messageId: messageId++, date: now }));
  assert.equal(
    texts(api, beto.id).at(-1),
    "⏳ Ya tienes un cuestionario en marcha: responde a su pregunta. Termina en 10 min.",
  );
  const [poll] = await db.sql<{ poll_id: string; correct_option: number }[]>`
    SELECT poll_id, correct_option FROM quiz_polls`;
  now = at(37);
  await hook.post(pollAnswer(beto, poll.poll_id, poll.correct_option));
  assert.equal(
    texts(api, beto.id).at(-1),
    "⌛ Se acabó el tiempo: el cuestionario terminó a los 10 minutos, así que esta respuesta no da XP.",
  );
  await hook.post(pollAnswer(beto, poll.poll_id, poll.correct_option));
  assert.equal(texts(api, beto.id).filter((t) => t.startsWith("⌛")).length, 1);
  assert.deepEqual(await state(db.sql, beto.id), { xp: 1, lives: 0, streak: 1, paid: 0 });
});

Deno.test("/quiz picks the group: buttons for several, a hint with none, a pointer to private in a group", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  const now = at(0);
  await using hook = serveWebhook(testBot(api, db.sql, { now: () => now }));
  let messageId = 1;
  for (const [chat, title] of [[READERS, "Readers"], [WRITERS, "Writers"]] as const) {
    await hook.post(
      groupMessage({ chat, from: carla, text: "hi", messageId: messageId++, date: now, title }),
    );
  }
  await hook.post(
    privateMessage({ from: carla, text: "/quiz", messageId: messageId++, date: now }),
  );
  assert.equal(
    texts(api, carla.id).at(-1),
    "🧠 Which group do you play for? Each group keeps its own lives.",
  );
  const call = api.calls.filter((c) => c.method === "sendMessage").at(-1)!;
  const markup = call.params.reply_markup as {
    inline_keyboard: Array<Array<{ text: string; callback_data: string }>>;
  };
  assert.deepEqual(markup.inline_keyboard.map((row) => [row[0].text, row[0].callback_data]), [
    ["Readers", `quiz:${READERS}`],
    ["Writers", `quiz:${WRITERS}`],
  ]);
  await hook.post(privatePress(carla, `quiz:${WRITERS}`, now));
  assert.match(texts(api, carla.id).at(-1)!, /^🧠 Quiz for Writers: 5 questions/);
  assert.deepEqual(
    [
      (await state(db.sql, carla.id, WRITERS)).lives,
      (await state(db.sql, carla.id, READERS)).lives,
    ],
    [4, 5],
    "lives are per group",
  );
  assert.equal(polls(api, carla.id).length, 1);
  await hook.post(privatePress(carla, "quiz:-999", now));
  assert.equal(texts(api, carla.id).at(-1), "You are not a member of that group.");

  await hook.post(privateMessage({ from: dora, text: "/quiz", messageId: messageId++, date: now }));
  assert.equal(
    texts(api, dora.id).at(-1),
    "🧠 Primero escribe en un grupo donde esté yo: cada cuestionario se juega para un grupo, con las vidas y los XP de ese grupo.",
  );
  await hook.post(
    groupMessage({
      chat: READERS,
      from: carla,
      text: "/quiz",
      messageId: 77,
      date: now,
      title: "Readers",
    }),
  );
  const inGroup = api.calls.filter((c) => c.method === "sendMessage").at(-1)!;
  assert.equal(inGroup.params.chat_id, READERS);
  assert.equal(
    inGroup.params.text,
    "🧠 The quiz is played in a private chat with me: open it and send /quiz.",
  );
  assert.equal((inGroup.params.reply_parameters as { message_id: number }).message_id, 77);
});

Deno.test("/quiz in a 2× chat never asks what a message, a link or a thank-you pays (their answers say 1×)", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  const now = at(0);
  // random 0: the draw takes the bank's first questions in order, 1 to 3 (about XP) first of all
  await using hook = serveWebhook(testBot(api, db.sql, { now: () => now, random: () => 0 }));
  await hook.post(
    groupMessage({
      chat: READERS,
      from: ana,
      text: "hi",
      messageId: 1,
      date: now,
      title: "Readers",
    }),
  );
  await db.sql`UPDATE chats SET xp_multiplier = 2 WHERE chat_id = ${READERS}`;
  await hook.post(privateMessage({ from: ana, text: "/quiz", messageId: 2, date: now }));
  const [session] = await db.sql<{ questions: number[] }[]>`SELECT questions FROM quiz_sessions`;
  assert.equal(session.questions.length, 5);
  assert.deepEqual(session.questions.filter((q) => q <= 3), [], `asked ${session.questions}`);
});

/**
 * The quiz in Telegram (seed 002): `/quiz` in private picks the member's group (one, or a choice
 * with buttons `quiz:<chatId>`), spends one of their lives there and asks the session's questions
 * as native quiz polls, one at a time: each answer (`poll_answer`) brings the next question, and
 * the last one completes the session and pays its XP, once.
 */
import { Composer, type Context, InlineKeyboard } from "grammy";
import type postgres from "postgres";
import { duration, type Language } from "../domain/i18n.ts";
import { memberGroups } from "../domain/live_board.ts";
import { t } from "../domain/messages.ts";
import {
  answerPoll,
  type CompleteOutcome,
  QUIZ_QUESTIONS,
  QUIZ_XP_PER_CORRECT,
  recordPoll,
  startQuiz,
} from "../domain/quiz.ts";
import { pickQuestions, questionHolds, quizQuestion } from "../domain/quiz_bank.ts";
import { SESSION_TIMEOUT_MINUTES } from "../domain/quiz_cleanup.ts";
import { DEFAULT_XP, type XpAmounts } from "../domain/xp_rules.ts";
import { answer, languageFor } from "./lang.ts";

export interface QuizBotDeps {
  sql: postgres.Sql;
  /** The XP rules (`XP_*`): questions about amounts are asked only where their answer holds. */
  xp?: XpAmounts;
  /** The time lives are spent and answers judged at (default: the system clock). */
  now?: () => Date;
  /** Draws the questions (default `Math.random`). */
  random?: () => number;
}

type Api = Context["api"];

/** Sends question `position` of a session to the member's private chat and records its poll. */
async function ask(
  sql: postgres.Sql,
  api: Api,
  q: { userId: number; sessionId: number; position: number; questionId: number; total: number },
  lang: Language,
) {
  const question = quizQuestion(q.questionId);
  const { question: text, options } = question.text[lang];
  const sent = await api.sendPoll(
    q.userId,
    t(lang, "quiz-question", { n: q.position + 1, total: q.total, question: text }),
    options.map((o) => ({ text: o })),
    {
      type: "quiz",
      is_anonymous: false,
      correct_option_ids: [question.correct],
      // the single-answer form of Bot API versions before `correct_option_ids`
      ...({ correct_option_id: question.correct } as object),
    },
  );
  await recordPoll(sql, {
    pollId: sent.poll.id,
    sessionId: q.sessionId,
    position: q.position,
    questionId: q.questionId,
    correct: question.correct,
  });
}

function doneText(lang: Language, r: CompleteOutcome): string | null {
  if (r.kind !== "completed" || !r.paid) return null;
  return t(lang, "quiz-done", { correct: r.correct, total: r.total, xp: r.xp, group: r.chatTitle });
}

export function quizHandlers(deps: QuizBotDeps): Composer<Context> {
  const { sql } = deps;
  const now = deps.now ?? (() => new Date());
  const c = new Composer();

  async function begin(ctx: Context, chatId: number, lang: Language) {
    const userId = ctx.from!.id;
    const [chat] = await sql<{ hundredths: number }[]>`
      SELECT (xp_multiplier * 100)::int AS hundredths FROM chats WHERE chat_id = ${chatId}`;
    const xp = deps.xp ?? DEFAULT_XP;
    const questions = pickQuestions(
      QUIZ_QUESTIONS,
      deps.random ?? Math.random,
      (q) => questionHolds(q, xp, chat?.hundredths ?? 100),
    );
    const at = now();
    const outcome = await startQuiz(sql, {
      chatId,
      userId,
      at,
      origin: "telegram",
      language: lang,
      questions,
    });
    const until = (d: Date) => duration(lang, d.getTime() - at.getTime());
    switch (outcome.kind) {
      case "not-member":
        return void (await answer(ctx, t(lang, "not-group-member")));
      case "busy":
        return void (await answer(ctx, t(lang, "quiz-busy", { in: until(outcome.expiresAt) })));
      case "no-lives":
        return void (await answer(
          ctx,
          t(lang, "quiz-no-lives", {
            group: outcome.chatTitle,
            in: until(outcome.lives.nextLifeAt!),
          }),
        ));
    }
    await answer(
      ctx,
      t(lang, "quiz-started", {
        group: outcome.chatTitle,
        questions: questions.length,
        xp: QUIZ_XP_PER_CORRECT,
        minutes: SESSION_TIMEOUT_MINUTES,
        lives: outcome.lives.current,
      }),
    );
    await ask(sql, ctx.api, {
      userId,
      sessionId: outcome.sessionId,
      position: 0,
      questionId: questions[0],
      total: questions.length,
    }, lang);
  }

  c.command("quiz", async (ctx) => {
    if (!ctx.from || !ctx.chat) return;
    const lang = await languageFor(sql, ctx);
    if (ctx.chat.type !== "private") return void (await answer(ctx, t(lang, "quiz-in-private")));
    const groups = await memberGroups(sql, ctx.from.id);
    if (groups.length === 0) return void (await answer(ctx, t(lang, "quiz-no-group")));
    if (groups.length === 1) return await begin(ctx, groups[0].chatId, lang);
    const keyboard = InlineKeyboard.from(
      groups.map((g) => [InlineKeyboard.text(g.title, `quiz:${g.chatId}`)]),
    );
    await answer(ctx, t(lang, "quiz-pick-group"), { reply_markup: keyboard });
  });

  c.callbackQuery(/^quiz:(-?\d{1,16})$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    if (ctx.chat?.type !== "private") return;
    const chatId = Number(ctx.match[1]), lang = await languageFor(sql, ctx);
    const groups = await memberGroups(sql, ctx.from.id);
    if (!groups.some((g) => g.chatId === chatId)) {
      return void (await answer(ctx, t(lang, "not-group-member")));
    }
    await begin(ctx, chatId, lang);
  });

  c.on("poll_answer", async (ctx, next) => {
    const { poll_id: pollId, user, option_ids: chosen } = ctx.pollAnswer;
    if (!user || chosen.length === 0) return await next(); // anonymous, or a vote taken back
    const outcome = await answerPoll(sql, {
      pollId,
      userId: user.id,
      option: chosen[0],
      at: now(),
    });
    if (outcome.kind === "ignored") return await next();
    const lang = outcome.language ?? await languageFor(sql, ctx);
    if (outcome.kind === "expired") {
      await ctx.api.sendMessage(
        user.id,
        t(lang, "quiz-expired", { minutes: SESSION_TIMEOUT_MINUTES }),
      );
    } else if (outcome.kind === "next") {
      await ask(sql, ctx.api, { userId: user.id, ...outcome }, lang);
    } else {
      const text = doneText(lang, outcome.result);
      if (text) await ctx.api.sendMessage(user.id, text);
    }
  });

  return c;
}

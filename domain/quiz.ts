/**
 * A quiz that spends lives (seed 002): a session costs one of the member's lives in a group,
 * lasts `SESSION_TIMEOUT_MINUTES`, and, completed in time, pays `QUIZ_XP_PER_CORRECT` per correct
 * answer once and counts as activity for the streak.
 *
 * Paid once: the payment is a ledger row `(chat, user, 'quiz', 'quiz:<session id>')`, inserted
 * `ON CONFLICT DO NOTHING`, and the member's XP moves only by the amount of a row this call
 * inserted. A second completion, a redelivered answer or another replica completing the same
 * session at the same time finds the row there and pays nothing.
 */
import type postgres from "postgres";
import { livesAsOf, recordActivity } from "./activity.ts";
import type { Language } from "./i18n.ts";
import { LIFE_PERIOD_MINUTES } from "./life_regen.ts";
import { DEFAULT_LIVES } from "./profile.ts";
import { SESSION_TIMEOUT_MINUTES } from "./quiz_cleanup.ts";

/** Questions the bot asks in one session. */
export const QUIZ_QUESTIONS = 5;
/** XP per correct answer. */
export const QUIZ_XP_PER_CORRECT = 2;
/** The most questions an external quiz app may report for one session. */
export const QUIZ_MAX_TOTAL = 50;

const PERIOD_MS = LIFE_PERIOD_MINUTES * 60_000;
const TIMEOUT_MS = SESSION_TIMEOUT_MINUTES * 60_000;

export interface Lives {
  current: number;
  max: number;
  /** When the next life comes back; null at the max. */
  nextLifeAt: Date | null;
}

export type StartOutcome =
  | { kind: "started"; sessionId: number; expiresAt: Date; lives: Lives; chatTitle: string }
  | { kind: "no-lives"; lives: Lives; chatTitle: string }
  | { kind: "busy"; sessionId: number; expiresAt: Date }
  | { kind: "not-member" };

export interface StartOptions {
  chatId: number;
  userId: number;
  at: Date;
  /** `telegram`: the bot asks the questions, one session per member at a time. */
  origin?: "telegram" | "api";
  language?: Language;
  /** Question bank ids, in order (the bot's sessions). */
  questions?: number[];
}

/**
 * Starts a session for a member of a group, spending one life. Lives regenerate lazily here by
 * the `life-regen` job's rule (one per whole period since the last refill, up to the max), so a
 * life owed since the last run is usable at once; the member's row starts at the max.
 */
export async function startQuiz(sql: postgres.Sql, o: StartOptions): Promise<StartOutcome> {
  const { chatId, userId, at } = o;
  return await sql.begin(async (tx) => {
    if (o.origin === "telegram") {
      const [open] = await tx<{ id: number; expires_at: Date }[]>`
        SELECT id, expires_at FROM quiz_sessions
        WHERE user_id = ${userId} AND status = 'active' AND origin = 'telegram'
          AND expires_at > ${at}
        ORDER BY id DESC LIMIT 1`;
      if (open) return { kind: "busy", sessionId: Number(open.id), expiresAt: open.expires_at };
    }
    await tx`
      INSERT INTO lives (chat_id, user_id, current, max, last_refill_at)
      SELECT chat_id, user_id, ${DEFAULT_LIVES}, ${DEFAULT_LIVES}, ${at} FROM members
      WHERE chat_id = ${chatId} AND user_id = ${userId}
      ON CONFLICT (chat_id, user_id) DO NOTHING`;
    const [l] = await tx<{ current: number; max: number; last_refill_at: Date; title: string }[]>`
      SELECT l.current, l.max, l.last_refill_at, c.title FROM lives l
      JOIN chats c ON c.chat_id = l.chat_id
      WHERE l.chat_id = ${chatId} AND l.user_id = ${userId}
      FOR UPDATE OF l`;
    if (!l) return { kind: "not-member" };
    const { current, refill } = livesAsOf(
      { current: l.current, max: l.max, lastRefillAt: l.last_refill_at },
      at,
      PERIOD_MS,
    );
    if (current === 0) {
      const nextLifeAt = new Date(refill.getTime() + PERIOD_MS);
      return { kind: "no-lives", lives: { current, max: l.max, nextLifeAt }, chatTitle: l.title };
    }
    await tx`
      UPDATE lives SET current = ${current - 1}, last_refill_at = ${refill}
      WHERE chat_id = ${chatId} AND user_id = ${userId}`;
    const expiresAt = new Date(at.getTime() + TIMEOUT_MS);
    const [s] = await tx<{ id: number }[]>`
      INSERT INTO quiz_sessions (chat_id, user_id, started_at, expires_at, origin, language, questions)
      VALUES (${chatId}, ${userId}, ${at}, ${expiresAt}, ${o.origin ?? "api"}, ${
      o.language ?? null
    }, ${o.questions ?? []}::int[])
      RETURNING id`;
    return {
      kind: "started",
      sessionId: Number(s.id),
      expiresAt,
      lives: {
        current: current - 1,
        max: l.max,
        nextLifeAt: new Date(refill.getTime() + PERIOD_MS),
      },
      chatTitle: l.title,
    };
  });
}

export type CompleteOutcome =
  | { kind: "unknown" }
  | { kind: "expired"; sessionId: number; expiresAt: Date }
  | {
    kind: "completed";
    sessionId: number;
    chatId: number;
    userId: number;
    chatTitle: string;
    correct: number;
    total: number;
    xp: number;
    /** Whether this call paid; false when the session had been paid before. */
    paid: boolean;
  };

export interface CompleteOptions {
  sessionId: number;
  at: Date;
  /** Only a session of this member (the API's path); any when omitted. */
  chatId?: number;
  userId?: number;
  /** The score an external app reports; the bot's sessions count their answered polls. */
  score?: { correct: number; total: number };
}

/**
 * Completes a session in time and pays it once. The first completion fixes the score; later
 * ones answer that same score with `paid: false`. A session past its deadline pays nothing.
 */
export async function completeQuiz(
  sql: postgres.Sql,
  o: CompleteOptions,
): Promise<CompleteOutcome> {
  const { sessionId: id, at } = o;
  const mine = sql`${o.chatId ?? null}::bigint IS NULL OR (s.chat_id = ${
    o.chatId ?? null
  }::bigint AND s.user_id = ${o.userId ?? null}::bigint)`;
  return await sql.begin(async (tx) => {
    await tx`
      UPDATE quiz_sessions s SET status = 'completed', completed_at = ${at},
        correct = v.correct, total = v.total, xp = v.correct * ${QUIZ_XP_PER_CORRECT}
      FROM (
        SELECT coalesce(${o.score?.correct ?? null}::int, (
                 SELECT count(*)::int FROM quiz_polls p
                 WHERE p.session_id = ${id} AND p.chosen_option = p.correct_option)) AS correct,
               coalesce(${o.score?.total ?? null}::int, (
                 SELECT cardinality(questions) FROM quiz_sessions WHERE id = ${id})) AS total
      ) v
      WHERE s.id = ${id} AND (${mine}) AND s.status = 'active' AND s.expires_at > ${at}`;
    const [paid] = await tx<{ chat_id: number; user_id: number; at: Date }[]>`
      WITH paid AS (
        INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
        SELECT s.chat_id, s.user_id, s.xp, 'quiz', 'quiz:' || s.id, s.completed_at
        FROM quiz_sessions s WHERE s.id = ${id} AND (${mine}) AND s.status = 'completed'
        ON CONFLICT (chat_id, user_id, reason, source) DO NOTHING
        RETURNING chat_id, user_id, amount, created_at
      )
      UPDATE members m SET xp = m.xp + p.amount, updated_at = now()
      FROM paid p WHERE m.chat_id = p.chat_id AND m.user_id = p.user_id
      RETURNING m.chat_id, m.user_id, p.created_at AS at`;
    if (paid) await recordActivity(tx, Number(paid.chat_id), Number(paid.user_id), paid.at);
    const [s] = await tx<SessionRow[]>`
      SELECT s.id, s.chat_id, s.user_id, s.status, s.expires_at, s.correct, s.total, s.xp, c.title
      FROM quiz_sessions s JOIN chats c ON c.chat_id = s.chat_id
      WHERE s.id = ${id} AND (${mine})`;
    if (!s) return { kind: "unknown" };
    if (s.status !== "completed") {
      return { kind: "expired", sessionId: Number(s.id), expiresAt: s.expires_at };
    }
    return {
      kind: "completed",
      sessionId: Number(s.id),
      chatId: Number(s.chat_id),
      userId: Number(s.user_id),
      chatTitle: s.title,
      correct: s.correct!,
      total: s.total!,
      xp: s.xp!,
      paid: !!paid,
    };
  });
}

interface SessionRow {
  id: number;
  chat_id: number;
  user_id: number;
  status: string;
  expires_at: Date;
  correct: number | null;
  total: number | null;
  xp: number | null;
  title: string;
}

/** Records the poll the bot sent for a session's question at `position`. */
export async function recordPoll(
  sql: postgres.Sql,
  p: { pollId: string; sessionId: number; position: number; questionId: number; correct: number },
): Promise<void> {
  await sql`
    INSERT INTO quiz_polls (poll_id, session_id, position, question_id, correct_option)
    VALUES (${p.pollId}, ${p.sessionId}, ${p.position}, ${p.questionId}, ${p.correct})
    ON CONFLICT DO NOTHING`;
}

export type AnswerOutcome =
  /** Not a quiz poll of this member's, or already answered (a redelivered update). */
  | { kind: "ignored" }
  /** Answered after the session's deadline: recorded, pays nothing. */
  | { kind: "expired"; language: Language | null }
  /** Answered in time: ask the question at `position` next. */
  | {
    kind: "next";
    sessionId: number;
    position: number;
    questionId: number;
    total: number;
    language: Language | null;
  }
  | { kind: "done"; result: CompleteOutcome; language: Language | null };

/**
 * A member's answer to one of the bot's quiz polls, taken once: a poll keeps its first answer.
 * The last question's answer completes the session (and pays it, once).
 */
export async function answerPoll(
  sql: postgres.Sql,
  a: { pollId: string; userId: number; option: number; at: Date },
): Promise<AnswerOutcome> {
  const [r] = await sql<
    {
      session_id: number;
      position: number;
      questions: number[];
      language: Language | null;
      in_time: boolean;
    }[]
  >`
    UPDATE quiz_polls p SET chosen_option = ${a.option}, answered_at = ${a.at}
    FROM quiz_sessions s
    WHERE p.poll_id = ${a.pollId} AND s.id = p.session_id AND s.user_id = ${a.userId}
      AND p.chosen_option IS NULL
    RETURNING p.session_id, p.position, s.questions, s.language,
              (s.status = 'active' AND s.expires_at > ${a.at}) AS in_time`;
  if (!r) return { kind: "ignored" };
  const language = r.language;
  if (!r.in_time) return { kind: "expired", language };
  const sessionId = Number(r.session_id);
  const next = r.position + 1;
  if (next < r.questions.length) {
    const total = r.questions.length;
    return {
      kind: "next",
      sessionId,
      position: next,
      questionId: r.questions[next],
      total,
      language,
    };
  }
  return { kind: "done", result: await completeQuiz(sql, { sessionId, at: a.at }), language };
}

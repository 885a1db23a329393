import { type Context, Hono } from "hono";
import type postgres from "postgres";
import { z } from "zod";
import { findMember } from "../domain/profile.ts";
import { completeQuiz, QUIZ_MAX_TOTAL, startQuiz } from "../domain/quiz.ts";
import { idParam } from "./api.ts";
import { bearerAuth } from "./auth.ts";
import { deadline, HttpError, knownQuery, rowIdOr400 } from "./errors.ts";
import { jsonBody, unknownFields } from "./json_body.ts";

const whole = (max: number) => z.number().int().min(0).max(max);

/** The `:id` of `…/quiz-sessions/:id/complete`, or 400 naming it. */
function sessionParam(c: Context): number {
  return rowIdOr400(c.req.param("id"), "id", "a session id");
}

/** `{ correct, total }`: whole numbers, 1 ≤ total ≤ QUIZ_MAX_TOTAL, correct ≤ total; else 400 naming the field. */
async function scoreBody(c: Context): Promise<{ correct: number; total: number }> {
  const body = await jsonBody(c);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, "body: expected a JSON object like { correct, total }");
  }
  const fields = body as Record<string, unknown>;
  const problems = [unknownFields(fields, ["correct", "total"])].filter((p) => p !== undefined);
  const total = whole(QUIZ_MAX_TOTAL).min(1).safeParse(fields.total);
  if (!total.success) {
    problems.push(
      `total: expected a whole number from 1 to ${QUIZ_MAX_TOTAL}, got ${
        JSON.stringify(fields.total)
      }`,
    );
  }
  const correct = whole(total.success ? total.data : QUIZ_MAX_TOTAL).safeParse(fields.correct);
  if (!correct.success) {
    problems.push(
      `correct: expected a whole number from 0 to ${
        total.success ? "total" : QUIZ_MAX_TOTAL
      }, got ${JSON.stringify(fields.correct)}`,
    );
  }
  if (problems.length > 0) throw new HttpError(400, `bad quiz score: ${problems.join("; ")}`);
  return { correct: correct.data!, total: total.data! };
}

/**
 * The quiz for an external quiz app (bearer): `POST /chats/:chat/members/:user/quiz-sessions`
 * starts a session, spending one of the member's lives in that chat (201; 409 with the next
 * life's time when none is left), and `POST …/quiz-sessions/:id/complete` with
 * `{ correct, total }` pays `correct × 2` XP once: a repeated completion answers the first
 * result with `paid: false`; a session past its 10 minutes answers 409.
 */
export function quizApiRoutes(
  { sql, adminToken, deadlineMs, now = () => new Date() }: {
    sql: postgres.Sql;
    adminToken?: string;
    deadlineMs?: number;
    /** The time lives are spent and deadlines judged at (default: the system clock). */
    now?: () => Date;
  },
) {
  async function requireMember(chatId: number, userId: number) {
    const known = await findMember(sql, chatId, userId);
    if (!known.chat) throw new HttpError(404, `unknown chat ${chatId}`);
    if (!known.member) throw new HttpError(404, `unknown member ${userId} in chat ${chatId}`);
    return known;
  }

  const admin = bearerAuth(adminToken);
  const bounded = deadline(deadlineMs);
  return new Hono()
    .post("/chats/:chat/members/:user/quiz-sessions", admin, knownQuery(), bounded, async (c) => {
      const chatId = idParam(c, "chat"), userId = idParam(c, "user");
      if ((await requireMember(chatId, userId)).bot) {
        // as the XP move refuses a give: no session, no life spent, no quiz XP for a bot
        throw new HttpError(409, `member ${userId} in chat ${chatId} is a bot: bots earn no XP`);
      }
      const at = now();
      const started = await startQuiz(sql, { chatId, userId, at, origin: "api" });
      if (started.kind === "not-member") {
        throw new HttpError(404, `unknown member ${userId} in chat ${chatId}`);
      }
      if (started.kind !== "started") {
        const next = started.kind === "no-lives" ? started.lives.nextLifeAt! : started.expiresAt;
        return c.json({
          error:
            `no lives left for member ${userId} in chat ${chatId}: the next comes at ${next.toISOString()}`,
          nextLifeAt: next.toISOString(),
          retryAfterSeconds: Math.max(1, Math.ceil((next.getTime() - at.getTime()) / 1000)),
        }, 409);
      }
      return c.json({
        sessionId: started.sessionId,
        expiresAt: started.expiresAt.toISOString(),
        lives: { current: started.lives.current, max: started.lives.max },
        nextLifeAt: started.lives.nextLifeAt?.toISOString() ?? null,
      }, 201);
    })
    .post(
      "/chats/:chat/members/:user/quiz-sessions/:id/complete",
      admin,
      knownQuery(),
      bounded,
      async (c) => {
        const chatId = idParam(c, "chat"), userId = idParam(c, "user"), id = sessionParam(c);
        const score = await scoreBody(c);
        await requireMember(chatId, userId);
        const done = await completeQuiz(sql, { sessionId: id, chatId, userId, at: now(), score });
        if (done.kind === "unknown") {
          throw new HttpError(
            404,
            `unknown quiz session ${id} for member ${userId} in chat ${chatId}`,
          );
        }
        if (done.kind === "expired") {
          throw new HttpError(
            409,
            `quiz session ${id} expired at ${done.expiresAt.toISOString()}: it pays nothing`,
          );
        }
        const { sessionId, correct, total, xp, paid } = done;
        return c.json({ sessionId, correct, total, xp, paid });
      },
    );
}

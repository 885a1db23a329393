import { type Context, Hono } from "hono";
import type postgres from "postgres";
import { z } from "zod";
import {
  adjustXp,
  BotMember,
  checkAmount,
  checkReason,
  FormReplayed,
  memberLedger,
  UnknownMember,
} from "../domain/admin_xp.ts";
import {
  discardOutbox,
  type OutboxActionResult,
  outboxOverview,
  problemRows,
  retryOutbox,
} from "../domain/outbox_admin.ts";
import { checkCloseNote, closeIncident } from "../domain/incidents.ts";
import { findMember } from "../domain/profile.ts";
import { idParam, queryParam } from "./api.ts";
import { bearerAuth } from "./auth.ts";
import { rowId } from "../domain/row_id.ts";
import { deadline, HttpError, knownQuery, rowIdDetail, rowIdOr400 } from "./errors.ts";
import { jsonBody, unknownFields } from "./json_body.ts";

/** Who the audit trail names for moves made through this API. */
const AUTHOR = "api";
const limit = z.string().regex(/^[1-9]\d{0,2}$/).transform(Number).pipe(z.number().max(100))
  .optional();
const LIMIT = "a whole number from 1 to 100";
const ROW_ID = "a positive whole number (a row id)";

/** The JSON body of an XP move: `{ amount, reason }`, 400 naming every field at fault. */
async function xpBody(c: Context): Promise<{ amount: number; reason: string }> {
  const body = await jsonBody(c);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, "body: expected a JSON object like { amount, reason }");
  }
  const fields = body as Record<string, unknown>;
  const problems = [unknownFields(fields, ["amount", "reason"])].filter((p) => p !== undefined);
  const amount = attempt(() => checkAmount(fields.amount), problems);
  const reason = attempt(() => checkReason(fields.reason), problems);
  if (problems.length > 0) throw new HttpError(400, `bad XP move: ${problems.join("; ")}`);
  return { amount: amount!, reason: reason! };
}

/** What an `Idempotency-Key` may be made of: a UUID, a ULID, base64 or a hex digest fit. */
const KEY_CHAR = /^[A-Za-z0-9._:~+/=-]$/;
const KEY_LENGTH = [8, 128] as const;

/**
 * The request's `Idempotency-Key` (undefined when absent), or 400 naming the problem: 8 to 128
 * of A–Z a–z 0–9 and - _ . : ~ + / =.
 */
function idempotencyKey(c: Context): string | undefined {
  const key = c.req.header("idempotency-key");
  if (key === undefined) return undefined;
  const chars = [...key];
  if (chars.length < KEY_LENGTH[0] || chars.length > KEY_LENGTH[1]) {
    throw new HttpError(
      400,
      `Idempotency-Key: expected ${KEY_LENGTH[0]} to ${
        KEY_LENGTH[1]
      } characters, got ${chars.length}`,
    );
  }
  const bad = chars.find((ch) => !KEY_CHAR.test(ch));
  if (bad !== undefined) {
    throw new HttpError(
      400,
      `Idempotency-Key: character ${
        JSON.stringify(bad)
      } not allowed (expected A–Z a–z 0–9 and - _ . : ~ + / =)`,
    );
  }
  return key;
}

/** `check()`, or undefined with its RangeError's message (which names the field) in `problems`. */
function attempt<T>(check: () => T, problems: string[]): T | undefined {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    problems.push(error.message);
  }
}

/** The row id of `/outbox/:id/…` or `/incidents/:id/…`, or 400. */
function rowIdParam(c: Context): number {
  return rowIdOr400(c.req.param("id"), "id", "a row id");
}

/** The JSON body of an incident's closing: `{ note }`, 400 naming the field at fault. */
async function noteBody(c: Context): Promise<string> {
  const body = await jsonBody(c);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, "body: expected a JSON object like { note }");
  }
  const extra = unknownFields(body, ["note"]);
  if (extra) throw new HttpError(400, extra);
  try {
    return checkCloseNote((body as { note?: unknown }).note);
  } catch (error) {
    if (error instanceof RangeError) throw new HttpError(400, error.message);
    throw error;
  }
}

/** An operator action's answer: 200 `{ row }`, or its 404/409 `{ error }`. */
function answer(c: Context, result: OutboxActionResult) {
  return result.ok ? c.json({ row: result.row }) : c.json({ error: result.error }, result.status);
}

/**
 * XP administration and outbox tooling (bearer): `POST /api/chats/:chat/members/:user/xp`
 * `{ amount, reason }` gives (> 0) or takes (< 0) XP, audited; `GET …/ledger?limit&before`
 * the member's ledger newest first; `GET /api/outbox?limit&before` the queue overview and the
 * dropped/failed/expired rows; `POST /api/outbox/:id/retry` and `/discard`; `POST
 * /api/incidents/:id/close` `{ note }` closes an open incident (told to `adminChatId`).
 */
export function adminApiRoutes(
  { sql, adminToken, deadlineMs, adminChatId }: {
    sql: postgres.Sql;
    adminToken?: string;
    deadlineMs?: number;
    adminChatId?: number;
  },
) {
  async function unknownMember(chatId: number, userId: number): Promise<never> {
    const known = await findMember(sql, chatId, userId);
    if (!known.chat) throw new HttpError(404, `unknown chat ${chatId}`);
    throw new HttpError(404, `unknown member ${userId} in chat ${chatId}`);
  }

  const admin = bearerAuth(adminToken);
  const bounded = deadline(deadlineMs);
  return new Hono()
    .post("/chats/:chat/members/:user/xp", admin, knownQuery(), bounded, async (c) => {
      const chatId = idParam(c, "chat");
      const userId = idParam(c, "user");
      const key = idempotencyKey(c);
      const { amount, reason } = await xpBody(c);
      // The dashboard's form ids share the audit's one-time ids: the prefix keeps them apart.
      const formId = key === undefined ? undefined : `api:${key}`;
      try {
        return c.json(
          await adjustXp(sql, { chatId, userId, amount, reason, author: AUTHOR, formId }),
        );
      } catch (error) {
        if (error instanceof FormReplayed) {
          const f = error.first;
          if (
            f.chatId !== chatId || f.userId !== userId || f.requested !== amount ||
            f.reason !== reason
          ) {
            throw new HttpError(
              422,
              `Idempotency-Key ${JSON.stringify(key)} was used for a different request ` +
                `(${f.requested} XP for member ${f.userId} in chat ${f.chatId}, audit ${f.auditId}): ` +
                "send a new key for a new move",
            );
          }
          c.header("Idempotent-Replayed", "true");
          const { applied, xp, ledgerId, auditId } = f;
          return c.json({ chatId, userId, applied, xp, ledgerId, auditId });
        }
        if (error instanceof UnknownMember) return await unknownMember(chatId, userId);
        if (error instanceof BotMember) throw new HttpError(409, error.message);
        throw error;
      }
    })
    .get(
      "/chats/:chat/members/:user/ledger",
      admin,
      knownQuery("limit", "before"),
      bounded,
      async (c) => {
        const chatId = idParam(c, "chat");
        const userId = idParam(c, "user");
        const n = queryParam(c, "limit", limit, LIMIT) ?? 50;
        const before = queryParam(c, "before", rowId.optional(), ROW_ID, rowIdDetail);
        const known = await findMember(sql, chatId, userId);
        if (!known.member) await unknownMember(chatId, userId);
        return c.json({
          lines: await memberLedger(sql, chatId, userId, { limit: n, beforeId: before }),
        });
      },
    )
    .get("/outbox", admin, knownQuery("limit", "before"), bounded, async (c) => {
      const n = queryParam(c, "limit", limit, LIMIT) ?? 50;
      const before = queryParam(c, "before", rowId.optional(), ROW_ID, rowIdDetail);
      const overview = await outboxOverview(sql, new Date());
      return c.json({ overview, problems: await problemRows(sql, { limit: n, beforeId: before }) });
    })
    .post("/outbox/:id/retry", admin, knownQuery(), bounded, async (c) => {
      return answer(c, await retryOutbox(sql, rowIdParam(c), AUTHOR, new Date()));
    })
    .post("/outbox/:id/discard", admin, knownQuery(), bounded, async (c) => {
      return answer(c, await discardOutbox(sql, rowIdParam(c), AUTHOR));
    })
    .post("/incidents/:id/close", admin, knownQuery(), bounded, async (c) => {
      const id = rowIdParam(c);
      const note = await noteBody(c);
      const closed = await closeIncident(sql, {
        id,
        note,
        author: AUTHOR,
        adminChatId,
      });
      return "incident" in closed ? c.json(closed) : c.json({ error: closed.error }, closed.status);
    });
}

/**
 * Admins moving XP by hand (`/givexp`, `/takexp`, `/resetxp`, the dashboard, the API): each
 * move is a ledger row with reason `admin` (so the period boards count it at their next recalc)
 * and an `admin_actions` audit row, written in one transaction under the member's row lock.
 * A take never lowers a level: levels only go up, through `level-ups`. Bots earn no XP: a give
 * to a bot account is refused (`BotMember`); a take or a reset of a bot's XP is not.
 */
import type postgres from "postgres";
import { oneLine } from "./one_line.ts";

/** Give (`amount` > 0) or take (`amount` < 0) XP, with the reason the admin gave. */
export interface XpAdjustment {
  chatId: number;
  userId: number;
  amount: number;
  reason: string;
  author: string;
  /**
   * The one-time id of the request that asked (a dashboard form's id, an API client's
   * `Idempotency-Key` as `api:<key>`, a bot command's `telegram:<chat>:<message>`): a second move with the same id, for any member, from any
   * replica, moves nothing and throws `FormReplayed` carrying the first move.
   */
  formId?: string;
}

/** What a move did: `applied` may be less than asked (a balance never goes below zero). */
export interface XpAdjusted {
  chatId: number;
  userId: number;
  /** The change actually made; 0 when there was nothing to take. */
  applied: number;
  /** The balance after the move. */
  xp: number;
  /** The ledger row written, null when nothing was applied. */
  ledgerId: number | null;
  /** The `admin_actions` row written (always one). */
  auditId: number;
}

/** No such member (or no such chat). */
export class UnknownMember extends Error {
  override name = "UnknownMember";
  constructor(readonly chatId: number, readonly userId: number) {
    super(`unknown member ${userId} in chat ${chatId}`);
  }
}

/** A give to a bot account: bots earn no XP (a take or a reset, cleaning up, is allowed). */
export class BotMember extends Error {
  override name = "BotMember";
  constructor(readonly chatId: number, readonly userId: number) {
    super(`member ${userId} in chat ${chatId} is a bot: bots earn no XP`);
  }
}

/** The move a one-time id made first: what was asked and what it answered. */
export interface FirstMove {
  chatId: number;
  userId: number;
  requested: number;
  reason: string;
  applied: number;
  /** The balance right after it; null for a form sent before this was kept (migration 0033). */
  xp: number | null;
  ledgerId: number | null;
  auditId: number;
}

/**
 * A form already sent: its move was made once (audit row `auditId`, `first`); nothing moved
 * again. `xp` is the balance now, of the member this request named.
 */
export class FormReplayed extends Error {
  override name = "FormReplayed";
  constructor(readonly auditId: number, readonly xp: number, readonly first: FirstMove) {
    super(`this form was sent already (audit ${auditId}): the balance is ${xp} XP`);
  }
}

/** The most one move may give or take. */
export const MAX_ADJUSTMENT = 1_000_000;
/** The longest reason, in characters after trimming. */
export const MAX_REASON = 200;

/** One line of a member's ledger, as an admin reads it. */
export interface LedgerLine {
  id: number;
  amount: number;
  reason: string;
  source: string;
  author: string | null;
  note: string | null;
  at: Date;
}

/**
 * The trimmed reason, or a RangeError naming the field. Characters are counted as people count
 * them (code points: an emoji is one), and control characters (NUL, line breaks, …) are refused:
 * a reason is one line, and PostgreSQL cannot store a NUL at all.
 */
export function checkReason(reason: unknown): string {
  return oneLine("reason", reason, MAX_REASON);
}

/** `amount` itself, or a RangeError naming the field. */
export function checkAmount(amount: unknown): number {
  if (
    typeof amount !== "number" || !Number.isSafeInteger(amount) || amount === 0 ||
    Math.abs(amount) > MAX_ADJUSTMENT
  ) {
    throw new RangeError(
      `amount: expected a non-zero whole number from -${MAX_ADJUSTMENT} to ${MAX_ADJUSTMENT}, got ${
        // 1e400 in the JSON body reads as Infinity, which JSON.stringify would write as null
        typeof amount === "number" && !Number.isFinite(amount)
          ? `${amount} (out of range)`
          : JSON.stringify(amount) ?? String(amount)}`,
    );
  }
  return amount;
}

type Move = { chatId: number; userId: number; reason: string; author: string; formId?: string };
type Action = "give-xp" | "take-xp" | "reset-xp";

/**
 * Locks the member, works out what to apply from the balance (`plan`), then updates the
 * balance, writes the audit row and (when something moved) the ledger row in one statement.
 */
async function move(
  sql: postgres.Sql,
  m: Move,
  action: Action,
  plan: (xp: number) => { requested: number; applied: number },
): Promise<XpAdjusted> {
  return await sql.begin(async function adjustLocked(tx) {
    // Two requests with one id at once, even naming two members: the second waits for the
    // first's commit, then finds its audit row (both taken before the member's lock, always).
    if (m.formId !== undefined) {
      await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`xp-form:${m.formId}`}, 0))`;
      // Under the id's lock: a copy of the form on another replica waited, and finds this. Read
      // before the member: a spent id is the answer even for a member who is not (or no more).
      const [first] = await tx<(FirstMove & { balance: number | null })[]>`
        SELECT a.chat_id AS "chatId", a.user_id AS "userId", a.id AS "auditId",
               (a.detail->>'requested')::int AS requested, a.detail->>'reason' AS reason,
               (a.detail->>'applied')::int AS applied, (a.detail->>'xp')::bigint AS xp,
               (SELECT l.id FROM xp_ledger l
                WHERE l.chat_id = a.chat_id AND l.user_id = a.user_id
                  AND l.source = 'admin:' || a.id) AS "ledgerId",
               (SELECT mm.xp FROM members mm
                WHERE mm.chat_id = a.chat_id AND mm.user_id = a.user_id) AS balance
        FROM admin_actions a
        WHERE a.detail ? 'form' AND a.detail->>'form' = ${m.formId}
        ORDER BY a.id LIMIT 1`;
      if (first) {
        const { balance, ...firstMove } = first;
        throw new FormReplayed(first.auditId, balance ?? firstMove.xp ?? 0, firstMove);
      }
    }
    // The row lock serialises every move (and award) of this member until commit.
    const [member] = await tx<{ xp: number; is_bot: boolean }[]>`
      SELECT xp, is_bot FROM members
      WHERE chat_id = ${m.chatId} AND user_id = ${m.userId} FOR UPDATE`;
    if (!member) throw new UnknownMember(m.chatId, m.userId);
    if (member.is_bot && action === "give-xp") throw new BotMember(m.chatId, m.userId);
    const planned = plan(member.xp);
    const [requested, applied] = [planned.requested + 0, planned.applied + 0]; // no -0
    // With a one-time id, the balance it left is kept too: a replay answers it again.
    const after = m.formId === undefined ? undefined : member.xp + applied;
    const detail = JSON.stringify({
      requested,
      applied,
      reason: m.reason,
      form: m.formId,
      xp: after,
    });
    const [row] = await tx<{ auditId: number; xp: number; ledgerId: number | null }[]>`
      WITH audit AS (
        INSERT INTO admin_actions (author, action, chat_id, user_id, detail)
        VALUES (${m.author}, ${action}, ${m.chatId}, ${m.userId}, ${detail}::text::jsonb)
        RETURNING id
      ), balance AS (
        UPDATE members SET xp = xp + ${applied}::bigint, updated_at = now()
        WHERE chat_id = ${m.chatId} AND user_id = ${m.userId}
        RETURNING xp
      ), ledger AS (
        INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, author, note)
        SELECT ${m.chatId}, ${m.userId}, ${applied}::int, 'admin', 'admin:' || audit.id,
               ${m.author}, ${m.reason}
        FROM audit WHERE ${applied}::int <> 0
        RETURNING id
      )
      SELECT audit.id AS "auditId", balance.xp, (SELECT id FROM ledger) AS "ledgerId"
      FROM audit, balance`;
    return { chatId: m.chatId, userId: m.userId, applied, ...row };
  });
}

/**
 * Gives (`amount` > 0) or takes (`amount` < 0) XP. A take of more than the balance takes the
 * balance: `applied` says what happened (0: no ledger row, but still an audit row).
 * Throws RangeError naming `amount` or `reason`, UnknownMember, BotMember for a give to a bot,
 * and FormReplayed when `formId` asked already.
 *
 * @example
 * await adjustXp(sql, { chatId: -1, userId: 7, amount: -50, reason: "spam", author: "api" });
 */
export async function adjustXp(sql: postgres.Sql, a: XpAdjustment): Promise<XpAdjusted> {
  const amount = checkAmount(a.amount);
  const reason = checkReason(a.reason);
  return await move(
    sql,
    { ...a, reason },
    amount > 0 ? "give-xp" : "take-xp",
    (xp) => ({ requested: amount, applied: amount > 0 ? amount : Math.max(amount, -xp) }),
  );
}

/**
 * Takes a member's whole balance (audit `reset-xp`, `requested` = minus the balance it found).
 * Throws RangeError naming `reason`, UnknownMember, and FormReplayed when `formId` asked already.
 */
export async function resetXp(
  sql: postgres.Sql,
  o: { chatId: number; userId: number; reason: string; author: string; formId?: string },
): Promise<XpAdjusted> {
  const reason = checkReason(o.reason);
  return await move(sql, { ...o, reason }, "reset-xp", (xp) => ({
    requested: -xp,
    applied: -xp,
  }));
}

/** A member's ledger, newest first, `limit` lines with ids below `beforeId` (keyset paging). */
export async function memberLedger(
  sql: postgres.Sql,
  chatId: number,
  userId: number,
  o: { limit: number; beforeId?: number },
): Promise<LedgerLine[]> {
  const rows = await sql<LedgerLine[]>`
    SELECT id, amount, reason, source, author, note, created_at AS at
    FROM xp_ledger
    WHERE chat_id = ${chatId} AND user_id = ${userId}
      AND (${o.beforeId ?? null}::bigint IS NULL OR id < ${o.beforeId ?? null}::bigint)
    ORDER BY id DESC
    LIMIT ${o.limit}::int`;
  return [...rows];
}

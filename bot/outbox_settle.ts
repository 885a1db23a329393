/**
 * What a failed send means for its outbox row (and its chat), read from the Bot API's answer,
 * and the statements that settle it; every one touches only rows the claim still holds.
 */
import type postgres from "postgres";
import { describeError } from "../actors/log.ts";
import { mergeChat } from "../domain/chat_merge.ts";
import type { OutboxMetrics } from "./outbox_metrics.ts";

/** What to do with a row whose send failed. */
export type Verdict =
  | { kind: "retry"; delayMs: number; reason: string; rateLimited: boolean }
  | { kind: "unreachable"; reason: string }
  | { kind: "migrate"; to: number; reason: string }
  | { kind: "drop"; reason: string }
  | { kind: "fail"; reason: string };

/** Reads grammY's GrammyError / HttpError (or anything alike) into what to do next. */
export function verdictFor(error: unknown, attempts: number, maxAttempts: number): Verdict {
  const e = error as {
    error_code?: number;
    description?: string;
    parameters?: { retry_after?: number; migrate_to_chat_id?: number };
  };
  const code = e?.error_code;
  const description = e?.description ?? describeError(error);
  if (code === 429) {
    const delayMs = (e.parameters?.retry_after ?? 1) * 1_000;
    return { kind: "retry", delayMs, reason: description, rateLimited: true };
  }
  if (code === 400 && e.parameters?.migrate_to_chat_id) {
    return { kind: "migrate", to: e.parameters.migrate_to_chat_id, reason: description };
  }
  if (
    code === 403 ||
    (code === 400 && /chat not found|user not found|PEER_ID_INVALID/i.test(description))
  ) {
    return { kind: "unreachable", reason: description };
  }
  if (code !== undefined && code >= 400 && code < 500) return { kind: "drop", reason: description };
  // 5xx or no answer at all: bounded backoff, then give up.
  if (attempts + 1 >= maxAttempts) return { kind: "fail", reason: description };
  const delayMs = Math.min(60_000, 1_000 * 2 ** attempts);
  return { kind: "retry", delayMs, reason: description, rateLimited: false };
}

/** The row a verdict is about, and the claim that holds it. */
export interface Failed {
  id: number;
  chatId: number;
  attempts: number;
  token: string;
  now: Date;
}

/**
 * Telegram said 429 for the row's chat: every row of that chat waits until `retry_after` ends,
 * the ones this claim holds and the ones still pending alike (a second replica claiming the
 * chat's later rows meanwhile would send them early and out of order, and this replica's next
 * claim would stall its batch on them). A 429 is Telegram's pace, not a failed try: it counts no
 * attempt, so the 5xx backoff keeps its whole budget.
 */
export async function settleRateLimited(
  sql: postgres.Sql,
  row: Failed,
  delayMs: number,
  reason: string,
) {
  await sql`
    UPDATE outbox SET state = 'pending', lease_until = NULL, claimed_by = NULL,
           due_at = greatest(due_at, ${row.now}::timestamptz + ${delayMs} * interval '1 millisecond'),
           last_error = CASE WHEN id = ${row.id} THEN ${reason} ELSE last_error END
    WHERE chat_id = ${row.chatId}
      AND (state = 'pending' OR (state = 'sending' AND claimed_by = ${row.token}))`;
}

/** Back to pending, due after the verdict's delay, one more attempt counted. */
export async function settleRetry(sql: postgres.Sql, row: Failed, delayMs: number, reason: string) {
  await sql`
    UPDATE outbox SET state = 'pending', attempts = attempts + 1, lease_until = NULL, claimed_by = NULL,
           due_at = ${row.now}::timestamptz + ${delayMs} * interval '1 millisecond', last_error = ${reason}
    WHERE id = ${row.id} AND claimed_by = ${row.token} AND state = 'sending'`;
}

/** The recipient blocked the bot or is gone: never retried, and neither is anything else for them. */
export async function settleUnreachable(sql: postgres.Sql, row: Failed, reason: string) {
  return await sql.begin(async (tx) => {
    await tx`UPDATE members SET unreachable = true WHERE user_id = ${row.chatId} AND ${row.chatId} > 0`;
    const dropped = await tx`
      UPDATE outbox SET state = 'dropped', attempts = attempts + (id = ${row.id})::int, lease_until = NULL,
             last_error = ${`unreachable: ${reason}`}
      WHERE chat_id = ${row.chatId}
        AND (state = 'pending' OR (state = 'sending' AND claimed_by = ${row.token}))`;
    return dropped.count;
  });
}

/**
 * The group became a supergroup: the chat merges into the new id (`mergeChat`, the step the
 * bot's migration service messages take too), and the rows this claim held for it go again
 * there. A row that already moved once is dropped. Returns whether it moved.
 */
export async function settleMigrate(sql: postgres.Sql, row: Failed, to: number, reason: string) {
  return await sql.begin(async (tx) => {
    const [again] = await tx`
      SELECT 1 FROM outbox WHERE id = ${row.id} AND ${row.attempts} > 0 AND last_error LIKE 'migrated%'`;
    if (again) {
      await tx`
        UPDATE outbox SET state = 'dropped', last_error = ${reason}, lease_until = NULL
        WHERE id = ${row.id} AND claimed_by = ${row.token} AND state = 'sending'`;
      return false;
    }
    // Back to pending while still under the old id, then moved with everything else.
    await tx`
      UPDATE outbox SET state = 'pending', lease_until = NULL, claimed_by = NULL, due_at = ${row.now},
             attempts = attempts + (id = ${row.id})::int,
             last_error = ${`migrated from ${row.chatId}: ${reason}`}
      WHERE chat_id = ${row.chatId} AND state = 'sending' AND claimed_by = ${row.token}`;
    await mergeChat(tx, row.chatId, to);
    return true;
  });
}

/** Given up: `dropped` (Telegram refused it) or `failed` (out of attempts). */
export async function settleGiveUp(
  sql: postgres.Sql,
  row: Failed,
  state: "dropped" | "failed",
  reason: string,
) {
  await sql`
    UPDATE outbox SET state = ${state}, attempts = attempts + 1, lease_until = NULL, last_error = ${reason}
    WHERE id = ${row.id} AND claimed_by = ${row.token} AND state = 'sending'`;
}

/**
 * Settles a row whose send failed, as its verdict says, and counts it. A verdict about the whole
 * chat (429, unreachable, migrated) settles the chat's other rows the claim holds with it.
 */
export async function settleFailed(
  sql: postgres.Sql,
  row: Failed,
  verdict: Verdict,
  metrics: Pick<OutboxMetrics, "retried" | "dropped">,
) {
  switch (verdict.kind) {
    case "retry":
      metrics.retried?.inc({ reason: verdict.rateLimited ? "rate_limited" : "transient" });
      if (verdict.rateLimited) await settleRateLimited(sql, row, verdict.delayMs, verdict.reason);
      else await settleRetry(sql, row, verdict.delayMs, verdict.reason);
      return;
    case "unreachable": {
      // settled first: `metrics.dropped?.inc(…, await settle…)` would skip the settle with no registry
      const dropped = await settleUnreachable(sql, row, verdict.reason);
      metrics.dropped?.inc({ reason: "unreachable" }, dropped);
      return;
    }
    case "migrate":
      if (await settleMigrate(sql, row, verdict.to, verdict.reason)) {
        metrics.retried?.inc({ reason: "migrated" });
      } else metrics.dropped?.inc({ reason: "migrated_twice" });
      return;
    case "drop":
    case "fail":
      metrics.dropped?.inc({ reason: verdict.kind === "drop" ? "rejected" : "gave_up" });
      await settleGiveUp(sql, row, verdict.kind === "drop" ? "dropped" : "failed", verdict.reason);
  }
}

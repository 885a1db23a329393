import { BotError, GrammyError, HttpError } from "grammy";
import { isDatabaseUnavailable } from "../db/outage.ts";

/**
 * Why an update failed, as Telegram needs to hear it:
 * - `reply`: a call to the Bot API failed (403 blocked, 400 bad request, 429, 5xx, network):
 *   the update was handled, only the answer is lost; acknowledge it.
 * - `record`: the database could not be reached or was busy; a redelivery may succeed, so
 *   answer non-2xx and let Telegram retry.
 * - `unreadable`: anything else (a malformed update, data the database refuses): a
 *   redelivery would fail the same way; acknowledge it and log it.
 */
export type UpdateFailure = "reply" | "record" | "unreadable";

/** Sorts an update's failure (grammY's `BotError` unwrapped) into reply, record or unreadable. */
export function classifyUpdateError(error: unknown): UpdateFailure {
  const e = error instanceof BotError ? error.error : error;
  if (e instanceof GrammyError || e instanceof HttpError) return "reply";
  if (isDatabaseUnavailable(e)) return "record";
  if (e instanceof Error && e.cause !== undefined && e.cause !== e) {
    return classifyUpdateError(e.cause);
  }
  return "unreadable";
}

import { BotError, GrammyError, HttpError } from "grammy";

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

/** Socket and postgres.js connection codes: the database was not there. */
const UNREACHABLE = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * SQLSTATE classes a retry can cure: 08 connection, 40 serialisation/deadlock, 53 resources,
 * 57 operator intervention (shutdown, cannot connect now), 58 system; and 55P03 lock timeout.
 */
const TRANSIENT_SQLSTATE = /^(08|40|53|57|58)|^55P03$/;

/** Sorts an update's failure (grammY's `BotError` unwrapped) into reply, record or unreadable. */
export function classifyUpdateError(error: unknown): UpdateFailure {
  const e = error instanceof BotError ? error.error : error;
  if (e instanceof GrammyError || e instanceof HttpError) return "reply";
  if (!(e instanceof Error)) return "unreadable";
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string") {
    if (UNREACHABLE.has(code)) return "record";
    if (e.name === "PostgresError" && TRANSIENT_SQLSTATE.test(code)) return "record";
  }
  if (e.cause !== undefined && e.cause !== e) return classifyUpdateError(e.cause);
  return "unreadable";
}

/**
 * Whether a failure says the database is not there right now, so a retry shortly after may
 * succeed: the one classifier of the HTTP routes (503) and the webhook (non-2xx, Telegram
 * redelivers).
 */

/** Socket and postgres.js connection codes: the database was not reached. */
const UNREACHABLE = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * SQLSTATEs a retry can cure: classes 08 connection, 40 serialisation/deadlock, 53 resources
 * (53300 too many connections), 57 operator intervention (57P01-03 shutdown, 57014 statement
 * timeout), 58 system; and 55P03 lock timeout.
 */
const TRANSIENT_SQLSTATE = /^(08|40|53|57|58)|^55P03$/;

/** True when `error`, what caused it, or any address tried (AggregateError) says so. */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 4) return false;
  if (error instanceof Deno.errors.ConnectionRefused) return true;
  if (error instanceof Deno.errors.ConnectionReset) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (UNREACHABLE.has(code) || TRANSIENT_SQLSTATE.test(code))) {
    return true;
  }
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors) && errors.some((e) => isDatabaseUnavailable(e, depth + 1))) {
    return true;
  }
  return error.cause !== error && isDatabaseUnavailable(error.cause, depth + 1);
}

/**
 * Dashboard sessions signed out before their expiry. The cookie is stateless (signed with a key
 * from `ADMIN_TOKEN`), so signing out alone would leave a copy of it valid until it expires: the
 * sign-out records the session's nonce, and every replica refuses a cookie whose nonce is here.
 * A row matters only until the session would have expired; `retention-cleanup` forgets it then.
 */
import type postgres from "postgres";
import {
  DatabaseTimeoutError,
  ROUTE_DEADLINE_MS,
  within,
  WriteUnconfirmedError,
} from "../routes/errors.ts";

/**
 * Records that session `nonce` (valid until `expiresAt`) is signed out, on every replica, within
 * `ms` or `WriteUnconfirmedError` (the insert may still commit after).
 */
export async function revokeSession(
  sql: postgres.Sql,
  nonce: string,
  expiresAt: Date,
  ms = ROUTE_DEADLINE_MS,
): Promise<void> {
  await within(
    sql`
      INSERT INTO dashboard_revoked_sessions (nonce, expires_at) VALUES (${nonce}, ${expiresAt})
      ON CONFLICT (nonce) DO NOTHING`,
    ms,
    () => new WriteUnconfirmedError(ms),
  );
}

/**
 * Whether session `nonce` was signed out: one primary-key probe, answered within `ms` or
 * `DatabaseTimeoutError` (a 503): it runs before a page's own deadline, on every signed request.
 */
export async function isRevoked(
  sql: postgres.Sql,
  nonce: string,
  ms = ROUTE_DEADLINE_MS,
): Promise<boolean> {
  const [row] = await within(
    sql<{ revoked: boolean }[]>`
      SELECT EXISTS (SELECT 1 FROM dashboard_revoked_sessions WHERE nonce = ${nonce}) AS revoked`,
    ms,
    () => new DatabaseTimeoutError(ms),
  );
  return row.revoked;
}

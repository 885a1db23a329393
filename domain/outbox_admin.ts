/**
 * The operator's view of the outbox and the two things an operator may do to a row that was
 * given up on: send it again (`retryOutbox`) or give up for good (`discardOutbox`). Both are
 * audited in `admin_actions`. Counts come from `settled_at`, which a trigger sets whenever a
 * row's state changes to anything but `sending` (migration 0015).
 */
import type postgres from "postgres";

/** What settled in a window: sent, retried, and the rows given up on by state and reason. */
export interface WindowCounts {
  sent: number;
  retried: number;
  dropped: Array<{ state: string; reason: string; count: number }>;
}

/** The queue now, and what settled in the last hour and day. */
export interface OutboxOverview {
  /** Rows pending (due or not). */
  waiting: number;
  /** Pending rows due by `now`. */
  due: number;
  /** How long the oldest due row has been due, in ms; null when none is. */
  oldestDueAgeMs: number | null;
  /** Rows a delivery holds right now. */
  sending: number;
  windows: { hour: WindowCounts; day: WindowCounts };
}

/** A row as the dashboard lists it. */
export interface ProblemRow {
  id: number;
  chatId: number;
  text: string;
  state: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  settledAt: Date | null;
}

/** An operator action's outcome: the row as it now is, or why nothing was done. */
export type OutboxActionResult =
  | { ok: true; row: ProblemRow }
  | OutboxRefusal;

/** Why nothing was done: no such row (404), or its state (`state`) is not a problem one (409). */
export type OutboxRefusal =
  | { ok: false; status: 404; error: string }
  | { ok: false; status: 409; error: string; state: string };

/** The states an operator may retry or discard; the "problem rows". */
export const PROBLEM_STATES = ["dropped", "failed", "expired"] as const;
/** States counted as given up on in a window (a discarded row was one of the above first). */
const GIVEN_UP = ["dropped", "failed", "expired", "discarded"];
const HOUR_MS = 3_600_000;
/** A retried row gets a fresh day before it expires, like a new notification. */
const RETRY_EXPIRY_MS = 24 * HOUR_MS;

type Raw = {
  id: number;
  chat_id: number;
  text: string;
  state: string;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  settled_at: Date | null;
};

const toProblem = (r: Raw): ProblemRow => ({
  id: r.id,
  chatId: r.chat_id,
  text: r.text,
  state: r.state,
  attempts: r.attempts,
  lastError: r.last_error,
  createdAt: r.created_at,
  settledAt: r.settled_at,
});

type Group = { state: string; reason: string | null; hour: boolean; tried: boolean; n: number };

/**
 * Adds up the settled groups of one window. "Retried" counts rows, not tries: rows back to
 * pending after a failed try (pending, attempts > 0: the settle's retry, a chat migration, or an
 * operator's retry) plus rows sent after more than one attempt. A row retried and then sent in
 * the window counts once, as the sent one.
 */
function windowCounts(groups: Group[]): WindowCounts {
  const out: WindowCounts = { sent: 0, retried: 0, dropped: [] };
  const dropped = new Map<string, { state: string; reason: string; count: number }>();
  for (const g of groups) {
    if (g.state === "sent") out.sent += g.n;
    if ((g.state === "sent" || g.state === "pending") && g.tried) out.retried += g.n;
    if (GIVEN_UP.includes(g.state)) {
      const reason = g.reason ?? "unknown";
      const key = `${g.state}\u0000${reason}`;
      const entry = dropped.get(key) ?? { state: g.state, reason, count: 0 };
      entry.count += g.n;
      dropped.set(key, entry);
    }
  }
  out.dropped = [...dropped.values()].sort((a, b) =>
    b.count - a.count || a.state.localeCompare(b.state) || a.reason.localeCompare(b.reason)
  );
  return out;
}

/**
 * The queue (pending, due, the oldest due row's age, sending) and what settled in the hour and
 * the day before `now` (`settled_at > now - window`; no upper bound, so a database clock a
 * little ahead of the caller's loses nothing). A given-up row's reason is its
 * `last_error` up to the first ':' ("unreachable", "expired", "Bad Request"), else "unknown".
 */
export async function outboxOverview(sql: postgres.Sql, now: Date): Promise<OutboxOverview> {
  const dayAgo = new Date(now.getTime() - 24 * HOUR_MS);
  const hourAgo = new Date(now.getTime() - HOUR_MS);
  const [queue] = await sql<
    { waiting: number; due: number; oldest: Date | null; sending: number }[]
  >`
    SELECT count(*) FILTER (WHERE state = 'pending')::int AS waiting,
           count(*) FILTER (WHERE state = 'pending' AND due_at <= ${now})::int AS due,
           min(due_at) FILTER (WHERE state = 'pending' AND due_at <= ${now}) AS oldest,
           count(*) FILTER (WHERE state = 'sending')::int AS sending
    FROM outbox WHERE state IN ('pending', 'sending')`;
  // Few groups come back: by state, reason, window and whether it took more than one try.
  const groups = await sql<Group[]>`
    SELECT state,
           CASE WHEN state = ANY(${GIVEN_UP}::text[])
                THEN left(nullif(btrim(split_part(last_error, ':', 1)), ''), 120) END AS reason,
           settled_at > ${hourAgo} AS hour,
           attempts > CASE WHEN state = 'sent' THEN 1 ELSE 0 END AS tried,
           count(*)::int AS n
    FROM outbox
    WHERE settled_at > ${dayAgo}
    GROUP BY 1, 2, 3, 4`;
  return {
    waiting: queue.waiting,
    due: queue.due,
    oldestDueAgeMs: queue.oldest ? Math.max(0, now.getTime() - queue.oldest.getTime()) : null,
    sending: queue.sending,
    windows: {
      hour: windowCounts(groups.filter((g) => g.hour)),
      day: windowCounts(groups),
    },
  };
}

/** Dropped, failed and expired rows, newest first, `limit` with ids below `beforeId`. */
export async function problemRows(
  sql: postgres.Sql,
  o: { limit: number; beforeId?: number },
): Promise<ProblemRow[]> {
  const rows = await sql<Raw[]>`
    SELECT id, chat_id, text, state, attempts, last_error, created_at, settled_at
    FROM outbox
    WHERE state IN ('dropped', 'failed', 'expired')
      AND (${o.beforeId ?? null}::bigint IS NULL OR id < ${o.beforeId ?? null}::bigint)
    ORDER BY id DESC
    LIMIT ${o.limit}::int`;
  return rows.map(toProblem);
}

type Verb = "retry" | "discard";

/** Locks row `id`; a refusal when it is unknown or not a problem row, else its state. */
async function lockProblem(
  tx: postgres.TransactionSql,
  id: number,
  verb: Verb,
): Promise<OutboxRefusal | { ok: true; state: string }> {
  const [row] = await tx<{ state: string }[]>`SELECT state FROM outbox WHERE id = ${id} FOR UPDATE`;
  if (!row) return { ok: false, status: 404, error: `unknown outbox row ${id}` };
  if (!(PROBLEM_STATES as readonly string[]).includes(row.state)) {
    return {
      ok: false,
      status: 409,
      error: `Cannot ${verb} outbox row ${id}: its state is ${row.state}, expected one of ${
        PROBLEM_STATES.join(", ")
      }`,
      state: row.state,
    };
  }
  return { ok: true, state: row.state };
}

/**
 * Sends a dropped, failed or expired row again: pending, due at `now`, expiring a day later,
 * with the whole backoff of a new row (attempts from 0: kept, a failed row would fail again at
 * its first 5xx); `last_error` is kept as history (the audit row says it was retried). A row
 * dropped because its private recipient was unreachable also clears that user's mark, so new
 * notifications are written for them again. 404 unknown id, 409 any other state.
 */
export async function retryOutbox(
  sql: postgres.Sql,
  id: number,
  author: string,
  now: Date,
): Promise<OutboxActionResult> {
  return await sql.begin(async function retryLocked(tx): Promise<OutboxActionResult> {
    const found = await lockProblem(tx, id, "retry");
    if (!found.ok) return found;
    const [row] = await tx<Raw[]>`
      WITH retried AS (
        UPDATE outbox SET state = 'pending', due_at = ${now}, lease_until = NULL, claimed_by = NULL,
               expires_at = ${new Date(now.getTime() + RETRY_EXPIRY_MS)},
               attempts = 0 -- a fresh budget: its tries before the retry failed it already
        WHERE id = ${id}
        RETURNING id, chat_id, text, state, attempts, last_error, created_at, settled_at
      ), reachable AS (
        UPDATE members m SET unreachable = false FROM retried r
        WHERE ${found.state} = 'dropped' AND r.last_error LIKE 'unreachable:%' AND r.chat_id > 0
          AND m.user_id = r.chat_id AND m.unreachable
      ), audit AS (
        INSERT INTO admin_actions (author, action, chat_id, detail)
        SELECT ${author}, 'outbox-retry', chat_id,
               jsonb_build_object('outbox', id, 'from', ${found.state}::text, 'lastError', last_error)
        FROM retried
      )
      SELECT * FROM retried`;
    return { ok: true, row: toProblem(row) };
  });
}

/** Gives up on a dropped, failed or expired row for good: `discarded`, audited. 404/409 as retry. */
export async function discardOutbox(
  sql: postgres.Sql,
  id: number,
  author: string,
): Promise<OutboxActionResult> {
  return await sql.begin(async function discardLocked(tx): Promise<OutboxActionResult> {
    const found = await lockProblem(tx, id, "discard");
    if (!found.ok) return found;
    const [row] = await tx<Raw[]>`
      WITH discarded AS (
        UPDATE outbox SET state = 'discarded', lease_until = NULL, claimed_by = NULL
        WHERE id = ${id}
        RETURNING id, chat_id, text, state, attempts, last_error, created_at, settled_at
      ), audit AS (
        INSERT INTO admin_actions (author, action, chat_id, detail)
        SELECT ${author}, 'outbox-discard', chat_id,
               jsonb_build_object('outbox', id, 'from', ${found.state}::text, 'lastError', last_error)
        FROM discarded
      )
      SELECT * FROM discarded`;
    return { ok: true, row: toProblem(row) };
  });
}

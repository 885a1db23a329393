/**
 * The outbox claim's SQL: a batch of due rows taken under a token and a lease, sized to what the
 * pacer lets out within that lease, renewed, marked and handed back only while still held.
 */
import type postgres from "postgres";
import type { PaceLimits } from "./pacer.ts";

/** A claimed outbox row. */
export interface OutboxRow {
  id: number;
  chat_id: number;
  text: string;
  /** An inline keyboard to send with the text (a case's vote buttons), or null. */
  reply_markup: unknown;
  attempts: number;
  due_at: Date;
  /** Past this it is never sent (checked at the claim, and again just before its send). */
  expires_at: Date | null;
  /**
   * When the quiet hours it keeps begin (null: it keeps none): from then on it is not sent but
   * handed back, and the next claim holds it until they end.
   */
  quiet_from: Date | null;
}

/** How much one claim may take: per private chat, per group, and overall. */
export interface ClaimBounds {
  perChat: number;
  perGroup: number;
  total: number;
}

/** Share of the lease the claimed rows may need at full pace (the rest is slack for answers). */
const SAFETY = 0.5;

/**
 * What can be sent within `leaseMs` at Telegram's pace, halved for slack, and at most `batch`.
 *
 * @example
 * claimBounds(telegramLimits, 60_000, 200); // { perChat: 30, perGroup: 10, total: 200 }
 */
export function claimBounds(limits: PaceLimits, leaseMs: number, batch: number): ClaimBounds {
  const fit = (perMs: number) => Math.max(1, Math.floor(perMs * leaseMs * SAFETY));
  const perChat = fit(limits.perChatPerSecond / 1_000);
  return {
    perChat,
    perGroup: Math.min(perChat, fit(limits.perGroupPerMinute / 60_000)),
    total: Math.max(1, Math.min(batch, fit(limits.globalPerSecond / 1_000))),
  };
}

/**
 * Drops as `expired` (at most `limit`) waiting rows past their `expires_at`, never sent late;
 * returns how many. A row held in quiet hours past its expiry says so (`last_error`). A row another claim holds under a live lease is left to that claim, a row
 * a dead claim may have sent to `settleUnconfirmed`, and a row claimed meanwhile is re-checked by
 * the UPDATE and left alone.
 */
export async function expireStale(sql: postgres.Sql, now: Date, limit = 1_000): Promise<number> {
  const rows = await sql`
    WITH stale AS (
      SELECT id FROM outbox
      WHERE ((state = 'pending')
          OR (state = 'sending' AND lease_until < ${now} AND send_started_at IS NULL))
        AND expires_at < ${now}
      ORDER BY due_at, id LIMIT ${limit}::int
    )
    UPDATE outbox o SET state = 'expired', lease_until = NULL, claimed_by = NULL,
           last_error = CASE WHEN o.quiet_chat_id IS NOT NULL AND o.due_at > o.expires_at
             THEN 'expired: held in its group''s quiet hours past its deadline, not sent late'
             ELSE 'expired: still waiting past its expiry, not sent late' END
    FROM stale WHERE o.id = stale.id AND (o.state = 'pending'
      OR (o.state = 'sending' AND o.lease_until < ${now} AND o.send_started_at IS NULL))`;
  return rows.count;
}

/** Why a send in doubt was dropped (`last_error`; its reason is the part before the colon). */
export const UNCONFIRMED = "unconfirmed: its replica stopped after sending it, before Telegram's " +
  "answer was recorded; it may have arrived, so it is not sent again";

/**
 * Claims due rows (pending and due, or left `sending` unsent by a lease that ran out) under `token`,
 * skipping chats another claim is sending to right now, at most `bounds` of them, oldest first.
 * Set-based: one statement, `SKIP LOCKED` against concurrent claims.
 *
 * The same statement settles the sends in doubt: rows still `sending` once their lease ran out
 * whose send was written down as started (`send_started_at`, before it left; outbox_pace.ts).
 * Their replica stopped before Telegram's answer was recorded, so they may have arrived, and no
 * answer will ever say: they are never sent again (at most once; no member sees one twice) but
 * dropped as `unconfirmed` (an operator may retry them), and counted in their chats' windows at
 * their lease's end (`sent_at`), the latest they can have reached Telegram. `unconfirmed` on the
 * answer says how many.
 *
 * And it holds what must keep a group's quiet hours (`quiet_chat_id`; a streak reminder) while
 * they last: due now, it is not claimed but made due when they end (`quiet_until`, migration
 * 0034), on whichever replica claims; past its expiry by then, `expireStale` drops it.
 */
export async function claimDue(
  sql: postgres.Sql,
  o: { now: Date; token: string; leaseMs: number; bounds: ClaimBounds },
): Promise<OutboxRow[] & { unconfirmed: number }> {
  const { now, bounds } = o;
  const rows = await sql<(OutboxRow & { unconfirmed: number })[]>`
    WITH doubt AS (
      UPDATE outbox SET state = 'dropped', attempts = attempts + 1, lease_until = NULL,
             sent_at = greatest(lease_until, send_started_at), last_error = ${UNCONFIRMED}
      WHERE state = 'sending' AND lease_until < ${now} AND send_started_at IS NOT NULL
      RETURNING id
    ), hush AS (
      UPDATE outbox SET state = 'pending', lease_until = NULL, claimed_by = NULL,
             due_at = quiet_until(quiet_chat_id, quiet_zone, ${now})
      WHERE quiet_chat_id IS NOT NULL
        AND ((state = 'pending' AND due_at <= ${now})
          OR (state = 'sending' AND lease_until < ${now} AND send_started_at IS NULL))
        AND (expires_at IS NULL OR expires_at >= ${now})
        AND quiet_until(quiet_chat_id, quiet_zone, ${now}) IS NOT NULL
      RETURNING id
    ), held AS (
      SELECT DISTINCT chat_id FROM outbox WHERE state = 'sending' AND lease_until >= ${now}
    ), due AS (
      SELECT id, chat_id, due_at FROM outbox
      WHERE ((state = 'pending' AND due_at <= ${now})
          OR (state = 'sending' AND lease_until < ${now} AND send_started_at IS NULL))
        AND (expires_at IS NULL OR expires_at >= ${now})
        AND chat_id NOT IN (SELECT chat_id FROM held)
        AND (quiet_chat_id IS NULL OR quiet_until(quiet_chat_id, quiet_zone, ${now}) IS NULL)
      ORDER BY due_at, id
      LIMIT ${bounds.total * 5}::int
      FOR UPDATE SKIP LOCKED
    ), picked AS (
      SELECT id FROM (
        SELECT id, chat_id, due_at,
               row_number() OVER (PARTITION BY chat_id ORDER BY due_at, id) AS n
        FROM due
      ) ranked
      WHERE n <= CASE WHEN chat_id < 0 THEN ${bounds.perGroup}::int ELSE ${bounds.perChat}::int END
      ORDER BY due_at, id
      LIMIT ${bounds.total}::int
    ), claimed AS (
      UPDATE outbox o SET state = 'sending', claimed_by = ${o.token}, send_started_at = NULL,
             lease_until = ${now}::timestamptz + ${o.leaseMs}::int * interval '1 millisecond'
      FROM picked
      WHERE o.id = picked.id
      RETURNING o.id, o.chat_id, o.text, o.reply_markup, o.attempts, o.due_at, o.expires_at,
                CASE WHEN o.quiet_chat_id IS NOT NULL
                  THEN quiet_from(o.quiet_chat_id, o.quiet_zone, ${now}) END AS quiet_from
    )
    SELECT c.*, d.unconfirmed
    FROM (SELECT count(*)::int AS unconfirmed FROM doubt) d
    CROSS JOIN (SELECT count(*) FROM hush) h
    LEFT JOIN claimed c ON true`;
  const unconfirmed = rows[0]?.unconfirmed ?? 0;
  const claimed = rows.filter((r) => r.id !== null).map(({ unconfirmed: _, ...r }) => r);
  claimed.sort((a, b) => a.due_at.getTime() - b.due_at.getTime() || a.id - b.id);
  return Object.assign(claimed, { unconfirmed });
}

/**
 * When the last minute's sends to the chats of `rows` left, by chat (ms, oldest first; an empty
 * list for a chat sent nothing): what the claims before this one sent, on whichever replica.
 * Once a chat can be claimed, every send to it was answered and marked, or its claim died and it
 * was settled as unconfirmed (`settleUnconfirmed`, run before each claim), counted at its lease's
 * end; a mark comes after its answer, so the times err on the safe side. Reads the finished-rows
 * index: at most a minute of sends.
 */
export async function recentSends(
  sql: postgres.Sql,
  rows: OutboxRow[],
  now: Date,
): Promise<Map<number, number[]>> {
  const chats = [...new Set(rows.map((r) => r.chat_id))];
  const recent = new Map(chats.map((chat) => [chat, [] as number[]]));
  if (chats.length === 0) return recent;
  const found = await sql<{ chat_id: number; times: number[] }[]>`
    SELECT chat_id, array_agg((extract(epoch FROM sent_at) * 1000)::float8 ORDER BY sent_at) AS times
    FROM outbox
    WHERE state IN ('sent', 'dropped', 'failed', 'expired', 'discarded')
      AND (state = 'sent' OR (state = 'dropped' AND last_error LIKE 'unconfirmed:%'))
      AND coalesce(sent_at, created_at) > ${new Date(
    now.getTime() - 60_000,
  )} AND sent_at IS NOT NULL
      AND chat_id = ANY(${chats}::bigint[])
    GROUP BY chat_id`;
  for (const { chat_id, times } of found) recent.set(Number(chat_id), times.map(Number));
  return recent;
}

/**
 * Drops a row `token` holds as `expired`: it expired while its batch waited for Telegram's pace.
 * Returns whether it was still held.
 */
export async function expireHeld(sql: postgres.Sql, token: string, id: number): Promise<boolean> {
  const rows = await sql`
    UPDATE outbox SET state = 'expired', lease_until = NULL, claimed_by = NULL,
           last_error = 'expired: past its expiry while its batch waited, not sent late'
    WHERE id = ${id} AND claimed_by = ${token} AND state = 'sending'`;
  return rows.count === 1;
}

/** Extends the lease of the rows `token` still holds; returns their ids. */
export async function renewClaim(
  sql: postgres.Sql,
  token: string,
  now: Date,
  leaseMs: number,
): Promise<Set<number>> {
  const rows = await sql<{ id: number }[]>`
    UPDATE outbox SET lease_until = ${now}::timestamptz + ${leaseMs}::int * interval '1 millisecond'
    WHERE claimed_by = ${token} AND state = 'sending'
    RETURNING id`;
  return new Set(rows.map((r) => r.id));
}

/** A row sent, with the id Telegram gave its message (null when the answer had none). */
export interface SentMark {
  id: number;
  messageId: number | null;
}

/**
 * Marks rows sent, those among `sent` that `token` still holds, with their message ids;
 * returns how many. A row settled as unconfirmed meanwhile (its lease ran out before this mark
 * came) is sent after all: the answer came.
 */
export async function markSent(
  sql: postgres.Sql,
  token: string,
  sent: SentMark[],
  now: Date,
): Promise<number> {
  const marked = await sql`
    UPDATE outbox o SET state = 'sent', sent_at = ${now}, lease_until = NULL,
      attempts = o.attempts + (o.state = 'sending')::int,
      sent_message_id = s."messageId"
    FROM json_to_recordset(${JSON.stringify(sent)}::text::json) AS s(id bigint, "messageId" bigint)
    WHERE o.id = s.id AND o.claimed_by = ${token}
      AND (o.state = 'sending' OR (o.state = 'dropped' AND o.last_error = ${UNCONFIRMED}))`;
  return marked.count;
}

/** Gives rows still held by `token` back to the queue, due at `dueAt` (or as they were). */
export async function handBack(
  sql: postgres.Sql,
  token: string,
  ids: number[],
  dueAt?: Date,
): Promise<void> {
  if (ids.length === 0) return;
  await sql`
    UPDATE outbox SET state = 'pending', lease_until = NULL, claimed_by = NULL,
           due_at = coalesce(${dueAt ?? null}::timestamptz, due_at)
    WHERE id = ANY(${ids}::bigint[]) AND claimed_by = ${token} AND state = 'sending'`;
}

/** What the queue looks like to a replica with nothing to send. */
export interface OutboxView {
  /** Rows waiting (pending or sending). */
  depth: number;
  /** Due time of the oldest of them. */
  oldest: Date | null;
  /** When a pending row in a chat nobody is sending to falls due. */
  nextDue: Date | null;
  /** When the first lease of a row being sent runs out. */
  leaseEnds: Date | null;
}

/** The queue's depth and when this replica may next find something to claim. */
export async function viewOutbox(sql: postgres.Sql, now: Date): Promise<OutboxView> {
  const [r] = await sql<OutboxView[]>`
    WITH held AS (
      SELECT DISTINCT chat_id FROM outbox WHERE state = 'sending' AND lease_until >= ${now}
    )
    SELECT count(*)::int AS depth, min(o.due_at) AS oldest,
           min(o.due_at) FILTER (WHERE o.state = 'pending' AND held.chat_id IS NULL) AS "nextDue",
           min(o.lease_until) FILTER (WHERE o.state = 'sending') AS "leaseEnds"
    FROM outbox o LEFT JOIN held ON held.chat_id = o.chat_id
    WHERE o.state IN ('pending', 'sending')`;
  return r;
}

import type postgres from "postgres";
import type { Clock } from "../actors/clock.ts";
import { describeError, type Logger } from "../actors/log.ts";
import type { Registry } from "../actors/metrics.ts";
import { createPacer, type PaceLimits } from "./pacer.ts";

/** How a send failed, as the Bot API said it. */
export interface SendFailure {
  code?: number;
  description: string;
  retryAfter?: number;
  migrateToChatId?: number;
}

/** Sends one message; throws `{ code, description, parameters }`-like errors (grammY's). */
export type SendMessage = (chatId: number, text: string) => Promise<unknown>;

export interface DeliveryOptions {
  sql: postgres.Sql;
  clock: Clock;
  log: Logger;
  send: SendMessage;
  limits: PaceLimits;
  node: string;
  registry?: Registry;
  /** Rows claimed at once (default 200). */
  batch?: number;
  /** Sends in flight at once (default 8). */
  concurrency?: number;
  /** Claim lease; a node that dies lets go of its rows when it ends (default 60 s). */
  leaseMs?: number;
  /** Tries for 5xx and network failures before a row is `failed` (default 5). */
  maxAttempts?: number;
  /** How long to wait when nothing is due (default 1 s). */
  idleMs?: number;
}

interface Row {
  id: number;
  chat_id: number;
  text: string;
  attempts: number;
}

type Verdict =
  | { kind: "sent" }
  | { kind: "retry"; delayMs: number; reason: string }
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
    return {
      kind: "retry",
      delayMs: (e.parameters?.retry_after ?? 1) * 1_000,
      reason: description,
    };
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
  return { kind: "retry", delayMs: Math.min(60_000, 1_000 * 2 ** attempts), reason: description };
}

/**
 * The outbox delivery actor's loop: claims due rows (`SKIP LOCKED`, with a lease), sends them
 * paced within Telegram's limits, and settles them set-based. At-least-once: a crash between a
 * send and its mark sends that row again; the dedupe key keeps it one row.
 */
export function createDelivery(o: DeliveryOptions) {
  const { sql, clock, log } = o;
  const batch = o.batch ?? 200;
  const concurrency = o.concurrency ?? 8;
  const leaseMs = o.leaseMs ?? 60_000;
  const maxAttempts = o.maxAttempts ?? 5;
  const idleMs = o.idleMs ?? 1_000;
  const pacer = createPacer(o.limits);
  const sentTotal = o.registry?.counter("warden_outbox_sent_total", "Outbox messages sent.");
  const retriedTotal = o.registry?.counter(
    "warden_outbox_retried_total",
    "Outbox sends to try again, by reason.",
  );
  const droppedTotal = o.registry?.counter(
    "warden_outbox_dropped_total",
    "Outbox messages given up, by reason.",
  );
  let depth = 0;
  let oldestAgeS = 0;
  o.registry?.gauge(
    "warden_outbox_queue_depth",
    "Outbox messages waiting to be sent.",
    (set) => set({}, depth),
  );
  o.registry?.gauge(
    "warden_outbox_oldest_due_age_seconds",
    "How late the oldest due message is.",
    (set) => set({}, oldestAgeS),
  );

  async function claim(): Promise<Row[]> {
    const now = clock.now();
    return await sql<Row[]>`
      UPDATE outbox o SET state = 'sending', lease_until = ${now}::timestamptz + ${leaseMs} * interval '1 millisecond'
      FROM (
        SELECT id FROM outbox
        WHERE (state = 'pending' AND due_at <= ${now}) OR (state = 'sending' AND lease_until < ${now})
        ORDER BY due_at, id
        LIMIT ${batch}
        FOR UPDATE SKIP LOCKED
      ) due
      WHERE o.id = due.id
      RETURNING o.id, o.chat_id, o.text, o.attempts`;
  }

  async function observe() {
    const [r] = await sql<{ n: number; oldest: Date | null }[]>`
      SELECT count(*)::int AS n, min(due_at) AS oldest FROM outbox WHERE state IN ('pending', 'sending')`;
    depth = r.n;
    oldestAgeS = r.oldest ? Math.max(0, (clock.now().getTime() - r.oldest.getTime()) / 1000) : 0;
    return r.oldest;
  }

  async function settle(row: Row, verdict: Verdict, batch: number[]) {
    const now = clock.now();
    switch (verdict.kind) {
      case "sent":
        return; // marked in bulk
      case "retry":
        retriedTotal?.inc({
          reason: verdict.reason.startsWith("Too Many Requests") ? "rate_limited" : "transient",
        });
        await sql`
          UPDATE outbox SET state = 'pending', attempts = attempts + 1, lease_until = NULL,
                 due_at = ${now}::timestamptz + ${verdict.delayMs} * interval '1 millisecond', last_error = ${verdict.reason}
          WHERE id = ${row.id}`;
        return;
      case "unreachable":
        // The recipient blocked the bot or is gone: never retried, and neither is anything else for them.
        await sql.begin(async (tx) => {
          await tx`UPDATE members SET unreachable = true WHERE user_id = ${row.chat_id} AND ${row.chat_id} > 0`;
          const dropped = await tx`
            UPDATE outbox SET state = 'dropped', attempts = attempts + (id = ${row.id})::int, lease_until = NULL,
                   last_error = ${`unreachable: ${verdict.reason}`}
            WHERE chat_id = ${row.chat_id} AND (state = 'pending' OR id = ANY(${batch}::bigint[]))`;
          droppedTotal?.inc({ reason: "unreachable" }, dropped.count);
        });
        return;
      case "migrate":
        if (
          row.attempts > 0 &&
          (await sql`SELECT 1 FROM outbox WHERE id = ${row.id} AND last_error LIKE 'migrated%'`)
            .length
        ) {
          droppedTotal?.inc({ reason: "migrated_twice" });
          await sql`UPDATE outbox SET state = 'dropped', last_error = ${verdict.reason}, lease_until = NULL WHERE id = ${row.id}`;
          return;
        }
        retriedTotal?.inc({ reason: "migrated" });
        await sql.begin(async (tx) => {
          await tx`UPDATE chats SET chat_id = ${verdict.to}, kind = 'supergroup' WHERE chat_id = ${row.chat_id}`;
          await tx`UPDATE xp_ledger SET chat_id = ${verdict.to} WHERE chat_id = ${row.chat_id}`;
          await tx`
            UPDATE outbox SET chat_id = ${verdict.to}, state = 'pending', lease_until = NULL, due_at = ${now},
                   attempts = attempts + (id = ${row.id})::int,
                   last_error = ${`migrated from ${row.chat_id}: ${verdict.reason}`}
            WHERE chat_id = ${row.chat_id} AND (state = 'pending' OR id = ANY(${batch}::bigint[]))`;
        });
        return;
      case "drop":
      case "fail":
        droppedTotal?.inc({ reason: verdict.kind === "drop" ? "rejected" : "gave_up" });
        await sql`
          UPDATE outbox SET state = ${
          verdict.kind === "drop" ? "dropped" : "failed"
        }, attempts = attempts + 1,
                 lease_until = NULL, last_error = ${verdict.reason}
          WHERE id = ${row.id}`;
    }
  }

  /** Sends one claimed batch within the limits; returns how many went out. */
  async function deliver(rows: Row[], signal: AbortSignal): Promise<number> {
    const queue = [...rows];
    const batchIds = rows.map((r) => r.id);
    const inFlight = new Set<Promise<void>>();
    const sent: number[] = [];
    while (queue.length > 0 && !signal.aborted) {
      const now = clock.now().getTime();
      // The row whose chat may go soonest (ties: oldest first).
      let best = 0;
      let bestAt = Infinity;
      for (let i = 0; i < queue.length; i++) {
        const at = pacer.nextAllowed(queue[i].chat_id, now);
        if (at < bestAt) [best, bestAt] = [i, at];
        if (at <= now) break;
      }
      if (bestAt > now) {
        if (inFlight.size > 0) {
          // Let the sends in flight be answered first: their times are then final in the windows.
          await Promise.all(inFlight);
          continue;
        }
        try {
          await clock.sleep(bestAt - now, signal);
        } catch {
          break;
        }
        continue;
      }
      const row = queue.splice(best, 1)[0];
      const paced = pacer.record(row.chat_id, now);
      const task = o.send(row.chat_id, row.text).finally(() =>
        pacer.settle(paced, clock.now().getTime())
      ).then(
        () => void sent.push(row.id),
        (error) => {
          const verdict = verdictFor(error, row.attempts, maxAttempts);
          if (verdict.kind === "unreachable" || verdict.kind === "migrate") {
            // Settled for the whole chat at once: its other rows in this batch are not sent here.
            for (let i = queue.length - 1; i >= 0; i--) {
              if (queue[i].chat_id === row.chat_id) queue.splice(i, 1);
            }
          }
          return settle(row, verdict, batchIds);
        },
      ).catch((error) => log.error("cannot settle an outbox row", { id: row.id, error }))
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (queue.length > 0) {
      // Stopping: hand the rest back at once rather than waiting for their lease.
      await sql`UPDATE outbox SET state = 'pending', lease_until = NULL WHERE id = ANY(${
        queue.map((r) => r.id)
      }::bigint[])`;
    }
    if (sent.length > 0) {
      await sql`UPDATE outbox SET state = 'sent', sent_at = ${clock.now()}, attempts = attempts + 1, lease_until = NULL
                WHERE id = ANY(${sent}::bigint[])`;
      sentTotal?.inc({}, sent.length);
    }
    pacer.prune(clock.now().getTime());
    return sent.length;
  }

  return {
    /** The actor's loop, for the supervisor: runs until `stop` aborts. */
    async loop({ stop }: { stop: AbortSignal; kill: AbortSignal }) {
      log.info("outbox delivery started", { node: o.node });
      while (!stop.aborted) {
        const rows = await claim();
        if (rows.length > 0) {
          await deliver(rows, stop);
          continue;
        }
        const oldest = await observe();
        const wait = oldest
          ? Math.min(idleMs, Math.max(10, oldest.getTime() - clock.now().getTime()))
          : idleMs;
        await clock.sleep(wait, stop).catch(() => {});
      }
    },
    deliver,
    claim,
    observe,
  };
}

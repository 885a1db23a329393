/**
 * What a claim settles besides the rows it takes, counted and logged: the sends in doubt (rows a
 * stopped replica's claim had started sending, dropped as `unconfirmed` by `claimDue` itself, so
 * that they count in their chats' windows before anything more goes there) and, once a minute,
 * the rows that expired while they waited (bookkeeping: they are never claimed anyway).
 */
import type { Logger } from "../actors/log.ts";
import type postgres from "postgres";
import { expireStale } from "./outbox_claim.ts";
import type { OutboxMetrics } from "./outbox_metrics.ts";

/** Once a minute per replica at most. */
const EXPIRE_EVERY_MS = 60_000;

export function outboxSweep(o: { sql: postgres.Sql; log: Logger; metrics: OutboxMetrics }) {
  let expiredAt = -Infinity;
  return {
    /** Drops the rows expired by `now`, if a minute went by since the last time. */
    async expire(now: Date) {
      if (now.getTime() - expiredAt < EXPIRE_EVERY_MS) return;
      expiredAt = now.getTime();
      const expired = await expireStale(o.sql, now);
      if (expired > 0) {
        o.metrics.dropped?.inc({ reason: "expired" }, expired);
        o.log.info("notifications expired before they could be sent: dropped", { expired });
      }
    },
    /** Counts the rows in doubt a claim dropped. */
    unconfirmed(n: number) {
      if (n === 0) return;
      o.metrics.dropped?.inc({ reason: "unconfirmed" }, n);
      o.log.warn("sends of a stopped replica are unconfirmed: dropped, not sent again", {
        unconfirmed: n,
      });
    },
  };
}

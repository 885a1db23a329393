import type postgres from "postgres";
import type { Clock } from "../actors/clock.ts";
import { LeaseLostError } from "../actors/errors.ts";
import { holdLease } from "../actors/lease.ts";
import type { Logger } from "../actors/log.ts";
import type { Registry } from "../actors/metrics.ts";
import {
  claimBounds,
  claimDue,
  expireHeld,
  handBack,
  type OutboxRow,
  recentSends,
  renewClaim,
  viewOutbox,
} from "./outbox_claim.ts";
import { settleFailed, verdictFor } from "./outbox_settle.ts";
import { createMarks, type SendMessage } from "./outbox_marks.ts";
import { outboxMetrics } from "./outbox_metrics.ts";
import { sharedPace } from "./outbox_pace.ts";
import { outboxSweep } from "./outbox_sweep.ts";
import { createPacer, type PaceLimits } from "./pacer.ts";

export { verdictFor } from "./outbox_settle.ts";
export type { SendMessage } from "./outbox_marks.ts";
export interface DeliveryOptions {
  sql: postgres.Sql;
  clock: Clock;
  log: Logger;
  send: SendMessage;
  limits: PaceLimits;
  node: string;
  registry?: Registry;
  /** Most rows claimed at once (default 200); fewer when the lease would not fit them. */
  batch?: number;
  /** Sends in flight at once (default 8). */
  concurrency?: number;
  /** Lease of a claimed batch, renewed every third of it (default 60 s). */
  leaseMs?: number;
  /** Tries for 5xx and network failures before a row is `failed` (default 5). */
  maxAttempts?: number;
  /** Longest wait when nothing can be claimed (default 1 s). */
  idleMs?: number;
}

/** Rows claimed together under one token, from `at` (ms). */
export type Claim = OutboxRow[] & { token: string; at: number };
/** Shortest idle wait: no busy polling while another replica holds the due rows. */
const MIN_IDLE_MS = 50;
/** How often a busy replica reads the queue for its gauges (an idle one reads it every wait). */
const GAUGE_REFRESH_MS = 15_000;
/**
 * The outbox delivery actor: claims due rows under a token and a renewed lease, no more than
 * the pacer lets out within it, sends them within Telegram's limits (kept across replicas: the
 * global one in outbox_pace.ts, a chat's from its recent sends at each claim) and settles each row
 * as its send resolves. At-least-once for what was never sent; a send is written down as started
 * before it leaves, so a replica that stops between a send and its mark leaves it in doubt, and
 * the next claim drops it as `unconfirmed` rather than send it twice (outbox_claim.ts).
 */
export function createDelivery(o: DeliveryOptions) {
  const { sql, clock, log } = o;
  const concurrency = o.concurrency ?? 8;
  const leaseMs = o.leaseMs ?? 60_000;
  const maxAttempts = o.maxAttempts ?? 5;
  const idleMs = o.idleMs ?? 1_000;
  const bounds = claimBounds(o.limits, leaseMs, o.batch ?? 200);
  const pacer = createPacer(o.limits);
  const pace = sharedPace(sql, o.limits.globalPerSecond);
  const metrics = outboxMetrics(o.registry);
  const sweep = outboxSweep({ sql, log, metrics });
  async function claim(): Promise<Claim> {
    const now = clock.now();
    await sweep.expire(now);
    const token = `${o.node} ${crypto.randomUUID()}`;
    const rows = await claimDue(sql, { now, token, leaseMs, bounds });
    sweep.unconfirmed(rows.unconfirmed);
    for (const [chat, times] of await recentSends(sql, rows, now)) pacer.seed(chat, times);
    return Object.assign(rows, { token, at: now.getTime() });
  }

  /** The queue's depth for the gauges, and how long to wait before claiming again. */
  async function observe(): Promise<number> {
    const now = clock.now().getTime();
    const view = await viewOutbox(sql, clock.now());
    metrics.depth = view.depth;
    metrics.oldestAgeS = view.oldest ? Math.max(0, (now - view.oldest.getTime()) / 1000) : 0;
    const next = Math.min(
      view.nextDue?.getTime() ?? Infinity,
      view.leaseEnds ? view.leaseEnds.getTime() + 1 : Infinity,
    );
    return Math.min(idleMs, Math.max(MIN_IDLE_MS, next - now));
  }

  /**
   * Sends one claimed batch within the limits, under its lease; returns how many went out.
   * Throws `LeaseLostError` (and sends nothing more) once the lease is lost or unconfirmed.
   */
  async function deliver(rows: Claim, signal: AbortSignal): Promise<number> {
    if (rows.length === 0) return 0;
    const { token } = rows;
    // Rows of this claim no settle has touched yet: each must still be ours at every renewal.
    const holding = new Set(rows.map((r) => r.id));
    let confirmedUntil = rows.at + leaseMs;
    const lease = holdLease({
      clock,
      leaseMs,
      what: `outbox batch ${token}`,
      log,
      backend: {
        async renew(ms) {
          const asked = clock.now();
          const renewed = await renewClaim(sql, token, asked, ms);
          for (const id of holding) if (!renewed.has(id)) return false;
          confirmedUntil = asked.getTime() + ms;
          return true;
        },
        release: () => handBack(sql, token, [...holding]),
      },
    });
    const halt = AbortSignal.any([signal, lease.signal]);
    /** Past this, the rows' lease may be running out unrenewed: another replica may soon take them. */
    const third = Math.floor(leaseMs / 3);
    const unsure = () => clock.now().getTime() >= confirmedUntil - third;
    const queue = [...rows];
    const inFlight = new Set<Promise<void>>();
    const marks = createMarks({
      sql,
      token,
      clock,
      log,
      onMarked(ids, marked) {
        metrics.sent?.inc({}, ids.length);
        if (marked < ids.length) {
          log.warn("sent outbox rows another claim had taken", { token, sent: ids.length, marked });
        }
      },
    });
    let sent = 0;
    let clean = false;

    /** Takes the chat's rows out of the batch (settled with it, or its lane blocked). */
    function leaveBatch(chatId: number) {
      for (let i = queue.length - 1; i >= 0; i--) {
        if (queue[i].chat_id === chatId) queue.splice(i, 1);
      }
      for (const r of rows) if (r.chat_id === chatId) holding.delete(r.id);
    }

    /** Keeps `work` on a row in flight until it settled (its failure logged, never thrown). */
    function track(row: OutboxRow, work: Promise<void>) {
      const task = work
        .catch((error) => log.error("cannot settle an outbox row", { id: row.id, error }))
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
    }

    /** A row that expired while the batch waited for its turn: dropped, never sent late. */
    function expire(row: OutboxRow) {
      holding.delete(row.id);
      track(
        row,
        expireHeld(sql, token, row.id).then((held) => {
          if (held) metrics.dropped?.inc({ reason: "expired" });
        }),
      );
    }

    function send(row: OutboxRow) {
      const paced = pacer.record(row.chat_id, clock.now().getTime());
      const extra = row.reply_markup ? { reply_markup: row.reply_markup } : undefined;
      track(
        row,
        o.send(row.chat_id, row.text, extra)
          .finally(() => pacer.settle(paced, clock.now().getTime()))
          .then(
            (answer) => {
              sent++;
              holding.delete(row.id);
              marks.add(row.id, answer);
            },
            (error) => {
              const now = clock.now();
              holding.delete(row.id);
              const verdict = verdictFor(error, row.attempts, maxAttempts);
              const wholeChat = verdict.kind === "unreachable" || verdict.kind === "migrate" ||
                (verdict.kind === "retry" && verdict.rateLimited);
              // Before any await: nothing more goes to a chat that is settled or told to wait.
              if (verdict.kind === "retry" && verdict.rateLimited) {
                pacer.block(row.chat_id, now.getTime() + verdict.delayMs);
              }
              if (wholeChat) leaveBatch(row.chat_id);
              const failed = {
                id: row.id,
                chatId: row.chat_id,
                attempts: row.attempts,
                token,
                now,
              };
              return settleFailed(sql, failed, verdict, metrics);
            },
          ),
      );
    }

    try {
      while (queue.length > 0 && !halt.aborted) {
        if (unsure()) {
          throw new LeaseLostError(
            `Cannot keep the lease of outbox batch ${token}: not renewed since ${
              new Date(confirmedUntil - leaseMs).toISOString()
            }`,
          );
        }
        const now = clock.now().getTime();
        // A mark that failed: send nothing more until marks are written again.
        const waitMarks = marks.failing;
        // The row whose chat may go soonest (ties: oldest first).
        let best = 0;
        let bestAt = Infinity;
        for (let i = 0; i < queue.length && !waitMarks; i++) {
          const at = pacer.nextAllowed(queue[i].chat_id, now);
          if (at < bestAt) [best, bestAt] = [i, at];
          if (at <= now) break;
        }
        const expired = (row: OutboxRow) => !!row.expires_at && row.expires_at.getTime() < now;
        const quiet = (row: OutboxRow) => !!row.quiet_from && row.quiet_from.getTime() <= now;
        if (!waitMarks && bestAt <= now && !expired(queue[best]) && !quiet(queue[best])) {
          // The global limit is the bot's: places in a window every replica shares.
          const take = {
            token,
            id: queue[best].id,
            ready: (most: number) => pacer.ready(queue, now, most),
          };
          bestAt = await pace.take(now, take).catch((error) => {
            log.warn("cannot read the shared send pace; waiting a second", { error });
            return now + 1_000;
          });
        }
        if (waitMarks || bestAt > now) {
          if (inFlight.size > 0) {
            // Let the sends in flight be answered first: their times are then final in the windows.
            await Promise.all(inFlight);
            continue;
          }
          const wait = waitMarks ? 1_000 : bestAt - now;
          try {
            await clock.sleep(Math.min(wait, Math.max(1, confirmedUntil - third - now)), halt);
          } catch {
            break;
          }
          if (waitMarks) await marks.flush().catch(() => {}); // logged; still failing
          continue;
        }
        const next = queue.splice(best, 1)[0];
        if (expired(next)) expire(next); // as the claim reads it
        else if (!quiet(next)) send(next);
        else { // its quiet hours began while the batch waited: back, the next claim holds it
          holding.delete(next.id);
          track(next, handBack(sql, token, [next.id]));
        }
        if (inFlight.size >= concurrency) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      await marks.flush();
      if (lease.signal.aborted) throw lease.signal.reason;
      clean = true;
      return sent;
    } finally {
      await Promise.allSettled(inFlight);
      // Stopping: the rest goes back at once rather than waiting for its lease.
      await lease.end({ release: clean });
      pacer.prune(clock.now().getTime());
    }
  }

  return {
    /** The actor's loop, for the supervisor: runs until `stop` aborts; throws on a lost lease. */
    async loop({ stop }: { stop: AbortSignal; kill: AbortSignal }) {
      log.info("outbox delivery started", { node: o.node });
      let observedAt = -Infinity;
      while (!stop.aborted) {
        const rows = await claim();
        if (rows.length > 0) {
          await deliver(rows, stop);
          // The gauges stay true through a backlog too (they were read only when idle).
          if (clock.now().getTime() - observedAt >= GAUGE_REFRESH_MS) {
            observedAt = clock.now().getTime();
            await observe();
          }
          continue;
        }
        observedAt = clock.now().getTime();
        await clock.sleep(await observe(), stop).catch(() => {});
      }
    },
    deliver,
    claim,
    observe,
  };
}

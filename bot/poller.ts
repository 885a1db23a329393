import type { Bot } from "grammy";
import type postgres from "postgres";
import type { Clock } from "../actors/clock.ts";
import { type HeldLease, holdLease, type LeaseBackend } from "../actors/lease.ts";
import { describeError, type Logger } from "../actors/log.ts";

/** What this replica's poller does; `restarting` lasts from a failure until its supervisor restarts it. */
export type PollerState =
  | { status: "standby" }
  | { status: "polling" }
  | { status: "restarting"; error: string };

/** The update types Warden reads, for `getUpdates` and `setWebhook` alike. */
export const ALLOWED_UPDATES = [
  "message",
  "edited_message",
  "my_chat_member",
  "callback_query",
  "message_reaction",
  "poll_answer",
] as const;

/** The `bot_poller_lease` row: taken when free or run out, renewed and released only by its node. */
function pollerLease(sql: postgres.Sql, node: string): LeaseBackend & {
  take(ms: number): Promise<boolean>;
} {
  return {
    async take(ms) {
      const rows = await sql`
        INSERT INTO bot_poller_lease (id, node, expires_at) VALUES (1, ${node}, now() + ${ms} * interval '1 millisecond')
        ON CONFLICT (id) DO UPDATE SET node = EXCLUDED.node, expires_at = EXCLUDED.expires_at
        WHERE bot_poller_lease.node = EXCLUDED.node OR bot_poller_lease.expires_at < now()
        RETURNING node`;
      return rows.length === 1;
    },
    async renew(ms) {
      const rows = await sql`
        UPDATE bot_poller_lease SET expires_at = now() + ${ms} * interval '1 millisecond'
        WHERE id = 1 AND node = ${node} RETURNING node`;
      return rows.length === 1;
    },
    async release() {
      await sql`DELETE FROM bot_poller_lease WHERE node = ${node}`;
    },
  };
}

/** Resolves once `signal` aborts (at once if it has). */
function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
}

/**
 * Long polling by one replica at a time: the poller takes a lease row in Postgres and holds
 * it (`holdLease`) while it polls; the others stand by and take over once it lets go or its
 * lease runs out. A poll that ends with an error (409, 401) or a lost lease fails the loop,
 * so its supervisor restarts it; a poll error releases the lease first.
 */
export function createPoller(
  o: { sql: postgres.Sql; bot: Bot; clock: Clock; log: Logger; node: string; leaseMs?: number },
) {
  const leaseMs = o.leaseMs ?? 30_000;
  const row = pollerLease(o.sql, o.node);
  let state: PollerState = { status: "standby" };
  let becamePoller = Promise.withResolvers<void>();
  let held: HeldLease | undefined;
  // Once the lease is lost no getUpdates leaves, not even the confirming one of `bot.stop()`:
  // it would end the new holder's long poll with a 409. grammY hears an empty batch instead.
  o.bot.api.config.use((prev, method, payload, signal) =>
    method === "getUpdates" && held?.lost
      ? Promise.resolve({ ok: true as const, result: [] as never })
      : prev(method, payload, signal)
  );

  /** Stands by until this replica takes the lease; false when told to stop first. */
  async function takeLease(stop: AbortSignal): Promise<boolean> {
    while (!stop.aborted) {
      try {
        if (await row.take(leaseMs)) return true;
      } catch (error) {
        o.log.warn("cannot reach the poller lease: standing by", { error });
      }
      await o.clock.sleep(Math.max(50, Math.floor(leaseMs / 3)), stop).catch(() => {});
    }
    return false;
  }

  /** Polls under the lease until `stop` (returns), a poll error or a lost lease (throws). */
  async function poll(stop: AbortSignal, kill: AbortSignal) {
    const lease = held = holdLease({
      backend: row,
      clock: o.clock,
      leaseMs,
      what: "telegram poller",
      log: o.log,
    });
    state = { status: "polling" };
    becamePoller.resolve();
    becamePoller = Promise.withResolvers();
    o.log.info("took the poller lease: long polling", { node: o.node });
    const polled = o.bot.start({ allowed_updates: [...ALLOWED_UPDATES] })
      .then(() => undefined, (error: unknown) => ({ error }));
    const interrupted = AbortSignal.any([stop, lease.signal]);
    const outcome = await Promise.race([polled, aborted(interrupted).then(() => "interrupted")]);
    if (outcome === "interrupted") {
      await Promise.race([
        o.bot.stop().catch((error) => o.log.warn("cannot confirm the last updates", { error })),
        aborted(kill),
      ]);
      await polled;
    }
    await lease.end({ release: true }); // a lost lease is not ours to release
    if (stop.aborted) {
      state = { status: "standby" };
      o.log.info("stopped long polling");
      return;
    }
    const error = lease.lost
      ? lease.signal.reason
      : typeof outcome === "object"
      ? outcome.error
      : new Error("long polling ended without being asked to stop");
    state = { status: "restarting", error: describeError(error) };
    o.log.error("long polling failed", { error });
    throw error;
  }

  return {
    state: (): PollerState => state,
    role: (): PollerState["status"] => state.status,
    /** Resolves the next time this replica takes the lease (or at once if it polls). */
    polling: () => (state.status === "polling" ? Promise.resolve() : becamePoller.promise),
    /** The supervised loop: stands by, then polls; throws when polling fails. */
    async loop({ stop, kill }: { stop: AbortSignal; kill: AbortSignal }) {
      state = { status: "standby" };
      if (await takeLease(stop)) await poll(stop, kill);
    },
  };
}

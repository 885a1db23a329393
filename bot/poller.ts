import type { Bot } from "grammy";
import type postgres from "postgres";
import type { Clock } from "../actors/clock.ts";
import type { Logger } from "../actors/log.ts";

/**
 * Long polling by one replica at a time: the poller holds a lease row in Postgres, renewed
 * while it polls; the others stand by and take over once it lets go or its lease runs out.
 */
export function createPoller(
  o: { sql: postgres.Sql; bot: Bot; clock: Clock; log: Logger; node: string; leaseMs?: number },
) {
  const leaseMs = o.leaseMs ?? 30_000;
  let polling: Promise<void> | null = null;
  let role: "polling" | "standby" = "standby";
  let becamePoller = Promise.withResolvers<void>();

  async function holdLease(): Promise<boolean> {
    const rows = await o.sql`
      INSERT INTO bot_poller_lease (id, node, expires_at) VALUES (1, ${o.node}, now() + ${leaseMs} * interval '1 millisecond')
      ON CONFLICT (id) DO UPDATE SET node = EXCLUDED.node, expires_at = EXCLUDED.expires_at
      WHERE bot_poller_lease.node = EXCLUDED.node OR bot_poller_lease.expires_at < now()
      RETURNING node`;
    return rows.length === 1;
  }

  async function stopPolling() {
    if (!polling) return;
    await o.bot.stop();
    await polling;
    polling = null;
    role = "standby";
    o.log.info("stopped long polling");
  }

  return {
    role: () => role,
    /** Resolves the next time this replica takes the lease (or at once if it polls). */
    polling: () => (role === "polling" ? Promise.resolve() : becamePoller.promise),
    /** The supervised loop. */
    async loop({ stop }: { stop: AbortSignal; kill: AbortSignal }) {
      try {
        while (!stop.aborted) {
          let held = false;
          try {
            held = await holdLease();
          } catch (error) {
            o.log.warn("cannot reach the poller lease", { error });
          }
          if (held && !polling) {
            role = "polling";
            becamePoller.resolve();
            becamePoller = Promise.withResolvers<void>();
            o.log.info("took the poller lease: long polling", { node: o.node });
            polling = o.bot.start({
              allowed_updates: ["message", "edited_message", "my_chat_member"],
            })
              .catch((error) => o.log.error("long polling ended with an error", { error }));
          } else if (!held && polling) {
            o.log.warn("lost the poller lease: standing by");
            await stopPolling();
          }
          await o.clock.sleep(Math.max(50, Math.floor(leaseMs / 3)), stop).catch(() => {});
        }
      } finally {
        await stopPolling();
        await o.sql`DELETE FROM bot_poller_lease WHERE node = ${o.node}`.catch(() => {});
      }
    },
  };
}

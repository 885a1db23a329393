/** The delivery actor against the Bot API double, driven on a fake clock, for tests. */
import { Bot } from "grammy";
import type postgres from "postgres";
import { createLogger } from "../../actors/log.ts";
import { createRegistry } from "../../actors/metrics.ts";
import { createDelivery } from "../../bot/delivery.ts";
import { telegramLimits } from "../../bot/pacer.ts";
import { botApiDouble } from "./bot_api.ts";
import type { FakeClock } from "./clock.ts";
import { ioTracker } from "./io_tracker.ts";

/**
 * Delivery through grammY to the double, both on one fake clock; `drive` moves time as the actor
 * waits. Its queries and sends are tracked: time moves only once none is in flight, since a batch
 * has more than one sleeper (its lease renewer) while it waits on I/O.
 */
export function drivenDelivery(sql: postgres.Sql, clock: FakeClock, o: { metrics?: boolean } = {}) {
  const api = botApiDouble({ now: () => clock.now().getTime() });
  const registry = createRegistry();
  const bot = new Bot("123456:TEST", { client: { apiRoot: api.apiRoot } });
  const io = ioTracker();
  const delivery = createDelivery({
    sql: io.sql(sql),
    clock,
    log: createLogger({ level: "silent" }),
    send: (chat, text) => io.track(() => bot.api.sendMessage(chat, text)),
    limits: telegramLimits,
    node: "test",
    idleMs: 5_000,
    registry: o.metrics === false ? undefined : registry,
  });
  const stop = new AbortController();
  const running = delivery.loop({ stop: stop.signal, kill: stop.signal });
  return {
    api,
    registry,
    /** Resolves once the actor waits on the clock, not on a query or a send. */
    quiet: io.quiet,
    /** Lets the actor run, jumping the clock to each of its wake-ups, until `done` holds. */
    async drive(done: () => Promise<boolean>, limitMs = 600_000) {
      const start = clock.now().getTime();
      while (!(await done())) {
        await io.quiet();
        const wake = await clock.sleeping();
        if (await done()) return; // the actor finished what we waited for before going to sleep
        if (wake.getTime() - start > limitMs) {
          const rows = await sql`SELECT state, due_at, attempts, last_error FROM outbox LIMIT 3`;
          throw new Error(
            `delivery did not finish in time: ${
              JSON.stringify(rows)
            } at ${clock.now().toISOString()}`,
          );
        }
        await clock.advanceTo(wake);
      }
    },
    async [Symbol.asyncDispose]() {
      stop.abort();
      await running;
      await api.close();
    },
  };
}

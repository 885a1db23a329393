/** Outbox delivery through grammY to the Bot API double, paced by Warden. */
import type postgres from "postgres";
import { Bot } from "grammy";
import { createLogger } from "../actors/log.ts";
import { systemClock } from "../actors/clock.ts";
import { createDelivery } from "../bot/delivery.ts";
import { botApiDouble } from "../tests/fakes/bot_api.ts";

/**
 * Outbox delivery against the Bot API double on loopback (its limits off), with Warden's
 * pacing set to `budget` messages a second: the rate achieved, as a share of the budget.
 */
export async function deliveryBench(sql: postgres.Sql, rows: number, budget: number) {
  await using api = botApiDouble({ limits: false });
  const bot = new Bot("123456:BENCH", { client: { apiRoot: api.apiRoot } });
  await sql`TRUNCATE outbox`;
  await sql`
    INSERT INTO outbox (chat_id, text, dedupe_key)
    SELECT 1 + g % 1000, 'bench message ' || g, 'bench:' || g FROM generate_series(1, ${rows}) g`;
  const delivery = createDelivery({
    sql,
    clock: systemClock(),
    log: createLogger({ level: "silent" }),
    send: (chat, text) => bot.api.sendMessage(chat, text),
    limits: { globalPerSecond: budget, perChatPerSecond: budget, perGroupPerMinute: budget * 60 },
    node: "bench",
    batch: Math.max(200, budget),
    concurrency: 16,
  });
  const signal = new AbortController().signal;
  const t0 = performance.now();
  let sent = 0;
  while (sent < rows) {
    const claimed = await delivery.claim();
    if (claimed.length === 0) break;
    sent += await delivery.deliver(claimed, signal);
  }
  const seconds = (performance.now() - t0) / 1000;
  if (api.sent.length !== rows) throw new Error(`delivery sent ${api.sent.length} of ${rows}`);
  return { rows, budget, seconds, perS: rows / seconds };
}

import type postgres from "postgres";
import type { Clock } from "../actors/clock.ts";
import type { Logger } from "../actors/log.ts";
import type { Registry } from "../actors/metrics.ts";
import type { Runtime } from "../actors/runtime.ts";
import type { ChildSpec } from "../actors/supervisor.ts";
import type { Config } from "../config.ts";
import { judgeProposal } from "../domain/case_openai.ts";
import { createBot } from "./bot.ts";
import { createDelivery } from "./delivery.ts";
import { createPoller } from "./poller.ts";
import { registerBot } from "./setup.ts";
import { telegramOff, type TelegramStatus } from "./telegram_off.ts";

export type { TelegramStatus };

/**
 * Warden's Telegram side, made from the config: without a token, nothing (the outbox waits);
 * with one, the bot, the outbox delivery actor, the start's registration (command menu, and
 * the webhook with `TELEGRAM_WEBHOOK_URL`), and
 * either the poller (one replica holds its lease) or the webhook handler.
 */
export function createTelegram(o: {
  config: Readonly<Config>;
  sql: postgres.Sql;
  clock: Clock;
  log: Logger;
  registry: Registry;
  runtime: () => Runtime | undefined;
}) {
  const { config } = o;
  const token = config.telegram.botToken;
  if (!token) return telegramOff();
  const log = o.log.child({ part: "telegram" });
  const bot = createBot({
    token,
    apiRoot: config.telegram.apiRoot,
    sql: o.sql,
    log,
    xp: config.xp,
    adminUserIds: config.adminUserIds,
    runtime: o.runtime,
    proposals: {
      judge: config.cases.openai
        ? (text, language) => judgeProposal(config.cases.openai!, { text, language })
        : undefined,
      votingHours: config.cases.votingHours,
      rail: config.settlement.rail,
    },
  });
  const delivery = createDelivery({
    sql: o.sql,
    clock: o.clock,
    log,
    send: (chatId, text, extra) => bot.api.sendMessage(chatId, text, extra as never),
    limits: config.telegram.limits,
    node: config.nodeId,
    registry: o.registry,
  });
  const failed = new Map<string, string>();
  const track = (spec: ChildSpec): ChildSpec => ({
    ...spec,
    onRestarting: (_at, error) => log.warn(`${spec.id} restarting`, { error }),
    onGaveUp: (_at, error) => void failed.set(spec.id, error),
  });
  const children: ChildSpec[] = [
    track({ id: "outbox-delivery", restart: "permanent", loop: delivery.loop }),
    // Once per start: the command menu, and the webhook when its URL is configured. Retried by
    // the supervisor while Telegram is unreachable.
    track({
      id: "telegram-setup",
      restart: "transient",
      loop: async () => {
        const { webhookUrl: url, webhookSecret: secretToken } = config.telegram;
        const webhook = url && secretToken ? { url, secretToken } : undefined;
        await registerBot(bot.api, { webhook });
        log.info(webhook ? `command menu set; webhook set to ${url}` : "command menu set");
      },
    }),
  ];
  const poller = config.telegram.mode === "polling"
    ? createPoller({ sql: o.sql, bot, clock: o.clock, log, node: config.nodeId })
    : undefined;
  if (poller) {
    children.push(track({ id: "telegram-poller", restart: "permanent", loop: poller.loop }));
  }
  return {
    children,
    bot,
    status(): TelegramStatus {
      if (failed.size > 0) {
        return {
          status: "error",
          detail: [...failed].map(([id, e]) => `${id} failed: ${e}`).join("; "),
        };
      }
      if (!poller) return { status: "ok", detail: "webhook" };
      const state = poller.state();
      // A restarting poller hears nothing: the bot is deaf until its supervisor restarts it.
      return state.status === "restarting"
        ? { status: "error", detail: `long polling: restarting: ${state.error}` }
        : { status: "ok", detail: `long polling: ${state.status}` };
    },
  };
}

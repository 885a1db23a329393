import type { Api } from "grammy";
import { ALLOWED_UPDATES } from "./poller.ts";

/** The menu members see next to the message box (`setMyCommands`): the member commands. */
export const COMMAND_MENU = [
  { command: "start", description: "Start here: I'll message you about level-ups" },
  { command: "help", description: "What I can do" },
  { command: "profile", description: "Level, XP, streak, lives, rank and badges" },
  { command: "top", description: "The leaderboard: day, week, month or all" },
  { command: "badges", description: "Your badges and progress toward the rest" },
  { command: "streak", description: "Your streak and protections" },
  { command: "lives", description: "Your lives and when the next one comes back" },
  { command: "case", description: "The open dilemma cases, or one: /case 12" },
  { command: "verify", description: "Check a closed case's verdict against its commitment" },
  { command: "propose", description: "Propose a dilemma (judged before it goes live)" },
  { command: "wallet", description: "Link your wallet for on-chain rewards (in private)" },
] as const;

/** Telegram's default and the most it allows: concurrent webhook connections. */
export const WEBHOOK_MAX_CONNECTIONS = 40;

export interface WebhookRegistration {
  url: string;
  secretToken: string;
}

/** Points Telegram at the webhook, with the secret it must send back and the updates read. */
export async function setWebhook(api: Api, webhook: WebhookRegistration): Promise<void> {
  await api.setWebhook(webhook.url, {
    secret_token: webhook.secretToken,
    allowed_updates: [...ALLOWED_UPDATES],
    max_connections: WEBHOOK_MAX_CONNECTIONS,
  });
}

/**
 * What the start tells Telegram: the command menu, and with a webhook URL, the webhook.
 * Both calls are idempotent, so every replica makes them.
 */
export async function registerBot(
  api: Api,
  o: { webhook?: WebhookRegistration } = {},
): Promise<void> {
  await api.setMyCommands([...COMMAND_MENU]);
  if (o.webhook) await setWebhook(api, o.webhook);
}

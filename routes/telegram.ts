import { type Bot, webhookCallback } from "grammy";
import { Hono } from "hono";

/** `POST /telegram/webhook`: grammY's webhook handler, checked against the secret header. */
export function telegramRoutes(bot: Bot, secretToken?: string) {
  const handle = webhookCallback(bot, "hono", { secretToken });
  return new Hono().post("/webhook", (c) => handle(c));
}

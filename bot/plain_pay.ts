import type { Bot, Context } from "grammy";

type Update = Context["update"];
type Payer = (update: Update) => Promise<void> | undefined;

/** The short way of each bot `createBot` made (bot/bot.ts); no grammY loaded with the routes. */
const payers = new WeakMap<Bot, Payer>();

export function setPlainPayer(bot: Bot, payer: Payer) {
  payers.set(bot, payer);
}

/**
 * Pays a plain group message (bot/bot.ts `onlyPaysXp`) as the bot would, without grammY's update
 * handling (its context and middleware: ≈10 µs of the webhook's CPU per update); `undefined` for
 * any other update, for a bot not yet initialised (`getMe`) or not made by `createBot`: the bot
 * handles it. A failure is the award's own error, not wrapped in grammY's `BotError`.
 */
export function payOnly(bot: Bot, update: Update): Promise<void> | undefined {
  return payers.get(bot)?.(update);
}

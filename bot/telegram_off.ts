import type { ChildSpec } from "../actors/supervisor.ts";

export interface TelegramStatus {
  status: "ok" | "disabled" | "error";
  detail: string;
}

/**
 * Warden's Telegram side without a token: nothing (the outbox waits). Apart from `telegram.ts`
 * so that a start without a token does not load grammY and the bot (see `main.ts`).
 */
export function telegramOff() {
  return {
    children: [] as ChildSpec[],
    bot: undefined,
    status: (): TelegramStatus => ({
      status: "disabled",
      detail: "no TELEGRAM_BOT_TOKEN: the outbox waits",
    }),
  };
}

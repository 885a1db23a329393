/** The Bot API double's send limits: Telegram's, kept on the double's clock per chat and overall. */
import {
  type BotApiDoubleOptions,
  isGroup,
  type LimitedCall,
  MINUTE,
  type RateLimits,
  SECOND,
} from "./bot_api_wire.ts";

/** The double's limits: Telegram's, overridden one by one, or none; a bad one throws. */
function readLimits(given: BotApiDoubleOptions["limits"]): RateLimits | false {
  const limits: RateLimits | false = given === false ? false : {
    perChatPerSecond: 1,
    perGroupPerMinute: 20,
    globalPerSecond: 30,
    ...given,
  };
  for (const [name, max] of Object.entries(limits || {})) {
    if (max !== false && !(Number.isInteger(max) && max > 0)) {
      throw new RangeError(
        `Cannot use limit ${name}: expected a positive integer or false, got ${max}`,
      );
    }
  }
  return limits;
}

/** How long until a new send fits in `max` per `windowMs`, given past send times (ascending). */
function waitFor(times: number[], max: number | false, windowMs: number, t: number): number {
  if (max === false) return 0;
  const recent = times.filter((at) => at > t - windowMs);
  return recent.length < max ? 0 : recent[recent.length - max] + windowMs - t;
}

/** The sends each limit remembers, and which limit (if any) refuses the next one. */
export function sendLimiter(given: BotApiDoubleOptions["limits"]) {
  const limits = readLimits(given);
  const sendsByChat = new Map<string, number[]>();
  let sends: number[] = [];
  return {
    /** The limit that refuses a send to `chatId` at `at` (the longest wait wins), or null. */
    refusal(chatId: number | string, at: number): Omit<LimitedCall, "chat_id" | "at"> | null {
      if (!limits) return null;
      const chatSends = sendsByChat.get(String(chatId)) ?? [];
      const waits = [
        { scope: "chat", ms: waitFor(chatSends, limits.perChatPerSecond, SECOND, at) },
        {
          scope: "group",
          ms: isGroup(chatId) ? waitFor(chatSends, limits.perGroupPerMinute, MINUTE, at) : 0,
        },
        { scope: "global", ms: waitFor(sends, limits.globalPerSecond, SECOND, at) },
      ] as const;
      const worst = waits.reduce((a, b) => (b.ms > a.ms ? b : a));
      if (worst.ms <= 0) return null;
      return { scope: worst.scope, retry_after: Math.max(1, Math.ceil(worst.ms / SECOND)) };
    },
    record(chatId: number | string, at: number) {
      const key = String(chatId);
      sendsByChat.set(key, [...(sendsByChat.get(key) ?? []).filter((t) => t > at - MINUTE), at]);
      sends = [...sends.filter((t) => t > at - SECOND), at];
    },
    clear() {
      sendsByChat.clear();
      sends = [];
    },
  };
}

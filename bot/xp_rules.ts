/**
 * What a group message is worth (seed 003), decided from the message alone: a pure
 * function, so the rules are tested without a database. Caps and cooldowns that need
 * history are applied in SQL (`bot/award.ts`).
 */

export interface XpAmounts {
  perMessage: number;
  perLink: number;
  perThanks: number;
  maxPerMinute: number;
}

/** The parts of a Telegram message the rules read. */
export interface MessageLike {
  message_id: number;
  date: number;
  text?: string;
  caption?: string;
  from?: { id: number; is_bot: boolean; first_name: string; last_name?: string; username?: string };
  entities?: EntityLike[];
  caption_entities?: EntityLike[];
  reply_to_message?: {
    from?: { id: number; is_bot: boolean; first_name: string; username?: string };
  };
}

interface EntityLike {
  type: string;
  offset: number;
  length: number;
  url?: string;
  user?: { id: number; is_bot: boolean; first_name: string; username?: string };
}

/** Someone thanked: by user id (reply, text mention) or by @username (resolved in SQL). */
export type Thanked = { userId: number } | { username: string };

export interface MessageAward {
  /** XP for the author: a message, or more for a link. */
  amount: number;
  hasLink: boolean;
  /** Up to 3 distinct people thanked, never the author or a bot. */
  thanked: Thanked[];
}

const THANKS =
  /\b(thanks|thank\s+you|thx|ty|tysm|cheers|gracias|merci|danke|grazie|obrigad[oa]|спасибо|дякую)\b/i;
const LINK = /\bhttps?:\/\/\S+|\bwww\.\S+\.\S+/i;
export const MAX_THANKED = 3;

/** The award of one message, before the per-minute cap and the thanks cooldown. */
export function awardFor(message: MessageLike, amounts: XpAmounts): MessageAward {
  const text = message.text ?? message.caption ?? "";
  const entities = message.entities ?? message.caption_entities ?? [];
  const author = message.from;
  const hasLink = entities.some((e) => e.type === "url" || e.type === "text_link") ||
    LINK.test(text);
  const thanked: Thanked[] = [];
  if (author && THANKS.test(text)) {
    const seen = new Set<string>();
    const add = (t: Thanked, isBot: boolean) => {
      const key = "userId" in t ? `id:${t.userId}` : `@${t.username.toLowerCase()}`;
      const self = "userId" in t ? t.userId === author.id : author.username !== undefined &&
        t.username.toLowerCase() === author.username.toLowerCase();
      if (isBot || self || seen.has(key) || thanked.length >= MAX_THANKED) return;
      seen.add(key);
      thanked.push(t);
    };
    for (const e of entities) {
      if (e.type === "text_mention" && e.user) add({ userId: e.user.id }, e.user.is_bot);
      if (e.type === "mention") {
        const username = text.slice(e.offset + 1, e.offset + e.length);
        add({ username }, /bot$/i.test(username)); // Telegram bot usernames end in "bot"
      }
    }
    const replied = message.reply_to_message?.from;
    if (replied) add({ userId: replied.id }, replied.is_bot);
  }
  return { amount: hasLink ? amounts.perLink : amounts.perMessage, hasLink, thanked };
}

/** A member's display name as Telegram gives it. */
export function displayName(
  user: { first_name: string; last_name?: string; username?: string },
): string {
  return [user.first_name, user.last_name].filter(Boolean).join(" ") || user.username || "someone";
}

/**
 * What a group message is worth (seed 003), decided from the message alone: pure
 * functions, so the rules are tested without a database. The cap and the cooldown need
 * history: `domain/award.ts` pays a message in one server-side call that reads it under a lock,
 * and `scaledAmount` and `cappedAmount` are written there once more in integer SQL
 * (`award_pay` and `award_messages` in db/migrations/0019_ingest.sql): change both together.
 */

import { isServiceMessage } from "./service_messages.ts";

export { isServiceMessage, SERVICE_FIELDS } from "./service_messages.ts";

/** A thanker may reward the same member again only after this long. */
export const THANKS_COOLDOWN_MINUTES = 10;
/** The cap's window: no member earns more than `maxPerMinute` in any window this long. */
export const CAP_WINDOW_SECONDS = 60;
/** The ledger reasons the cap counts: XP earned by chatting (a message, a thank-you received). */
export const CAPPED_REASONS = ["message", "thanks"] as const;

/**
 * What may be paid now, given `peak`: the most the member already holds in any 60-s window
 * that will contain this award (see `domain/award.ts` for how `peak` is read). Never negative.
 */
export function cappedAmount(amount: number, peak: number, maxPerMinute: number): number {
  return Math.max(0, Math.min(amount, maxPerMinute - peak));
}

/**
 * A chat's XP multiplier applied to one award: `hundredths` is the multiplier × 100 (exact, as
 * stored in `numeric(4,2)`), and the result is rounded to a whole XP, half up, in integer
 * arithmetic (no float drift): 1 × 0.5 → 1, 3 × 0.5 → 2, 5 × 0.29 → 1, 3 × 2 → 6. The cap is
 * applied afterwards, to this scaled amount.
 */
export function scaledAmount(amount: number, hundredths: number): number {
  return Math.floor((amount * hundredths + 50) / 100);
}

export interface XpAmounts {
  perMessage: number;
  perLink: number;
  perThanks: number;
  maxPerMinute: number;
}

/** Seed 003's amounts: the `XP_*` variables' defaults. */
export const DEFAULT_XP: XpAmounts = { perMessage: 1, perLink: 3, perThanks: 5, maxPerMinute: 10 };

/** The parts of a Telegram message the rules read. */
export interface MessageLike {
  message_id: number;
  date: number;
  /** The forum topic (or reply thread) the message belongs to; see `chats.no_xp_topics`. */
  message_thread_id?: number;
  text?: string;
  caption?: string;
  from?: {
    id: number;
    is_bot: boolean;
    first_name: string;
    last_name?: string;
    username?: string;
    language_code?: string;
  };
  entities?: EntityLike[];
  caption_entities?: EntityLike[];
  is_topic_message?: boolean;
  reply_to_message?: {
    message_id?: number;
    from?: { id: number; is_bot: boolean; first_name: string; username?: string };
    /** The topic's own service message: every message of a forum topic "replies" to it. */
    forum_topic_created?: unknown;
    is_automatic_forward?: boolean;
  };
  /** A linked channel's post, forwarded into its discussion group by Telegram itself. */
  is_automatic_forward?: boolean;
  /** Set when the message was forwarded: its words are someone else's (no thank-you of its sender). */
  forward_origin?: unknown;
  /** The album a photo or video belongs to: one post, one update per item. */
  media_group_id?: string;
}

/**
 * Telegram's own account (777000): the author of a linked channel's posts in its discussion
 * group, and of service notices. Not a member: it earns nothing and is thanked for nothing.
 */
export const TELEGRAM_SERVICE_USER = 777_000;

/** What `repliedMember` reads of a message (a grammY `Message` is one). */
interface ReplyLike {
  message_thread_id?: number;
  is_topic_message?: boolean;
  reply_to_message?: {
    message_id?: number;
    from?: { id: number; is_bot: boolean };
    forum_topic_created?: unknown;
    is_automatic_forward?: boolean;
  };
}
type RepliedFrom<M extends ReplyLike> = NonNullable<NonNullable<M["reply_to_message"]>["from"]>;

/**
 * The member a message really replies to, for a thanks, `/profile` or an admin's XP command:
 * none for no reply, a bot, Telegram itself (777000), a channel post Telegram forwarded, or a
 * forum topic's opening service message (every message of a topic "replies" to it; its author
 * is the topic's creator, not whom the member means).
 */
export function repliedMember<M extends ReplyLike>(message: M | undefined) {
  const reply = message?.reply_to_message;
  const from = reply?.from as RepliedFrom<M> | undefined;
  if (!reply || !from || from.is_bot || from.id === TELEGRAM_SERVICE_USER) return undefined;
  if (reply.forum_topic_created != null || reply.is_automatic_forward) return undefined;
  if (message?.is_topic_message && reply.message_id === message.message_thread_id) {
    return undefined; // the topic's service message itself
  }
  return from;
}

/**
 * The forum topic a message is in, if any: its `message_thread_id` only when it is a topic
 * message (outside a forum that id names a reply thread, which is no topic of `no_xp_topics`).
 */
export function topicOf(
  message: { message_thread_id?: number; is_topic_message?: boolean } | undefined,
): number | undefined {
  return message?.is_topic_message ? message.message_thread_id : undefined;
}

/** A message that earns nothing: no author, a bot, Telegram itself, a forwarded channel post. */
export function earnsNothing(message: MessageLike): boolean {
  const from = message.from;
  return !from || from.is_bot || from.id === TELEGRAM_SERVICE_USER ||
    message.is_automatic_forward === true || isServiceMessage(message);
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

/**
 * The words that make a message a thank-you, by language (case-insensitive, whole words;
 * a space in an entry matches any run of spaces). 🙏 counts anywhere, skin tone or not.
 * A word right after a negation ("no thanks", "no, gracias", "нет, спасибо") does not count.
 */
export const THANKS_WORDS = {
  en: ["thanks", "thank you", "thank u", "thanks a lot", "thx", "thnx", "ty", "tysm", "cheers"],
  es: ["gracias", "muchas gracias", "mil gracias"],
  ru: ["спасибо", "спасибочки", "спс", "благодарю"],
  emoji: ["🙏"],
} as const;
/** Words that, just before a thanks word, turn it into a refusal. */
export const THANKS_NEGATIONS = ["no", "nope", "nah", "нет", "не"] as const;

const escape = (w: string) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/ /g, "\\s+");
const WORDS = [...THANKS_WORDS.en, ...THANKS_WORDS.es, ...THANKS_WORDS.ru]
  .sort((a, b) => b.length - a.length)
  .map(escape);
const THANKS = new RegExp(
  `(?<![\\p{L}\\p{N}_])(?:${WORDS.join("|")})(?![\\p{L}\\p{N}_])|${
    THANKS_WORDS.emoji.map(escape).join("|")
  }`,
  "giu",
);
const SEPARATOR = /[\s,.!:;…-]/u; // every one a single UTF-16 unit
const WORD_END = /[\p{L}\p{N}_]$/u;

/**
 * Whether a negation ends right before `at` in `text`, separators (`no, thanks`) between: a
 * listed negation, as a whole word. Only the text just before `at` is read, back to the first
 * character that is no separator, so a message of many thanks words is read once, not once per
 * word from its start (4,096 characters of "нет спасибо " took ≈12 ms so).
 */
function negatedAt(text: string, at: number): boolean {
  let end = at;
  while (end > 0 && SEPARATOR.test(text[end - 1])) end--;
  return THANKS_NEGATIONS.some((word) => {
    const start = end - word.length;
    return start >= 0 && text.slice(start, end).toLowerCase() === word &&
      !WORD_END.test(text.slice(Math.max(0, start - 2), start));
  });
}

/** Whether the text says thank you: a listed word or 🙏 not right after a negation. */
export function saysThanks(text: string): boolean {
  for (const m of text.matchAll(THANKS)) {
    if (!negatedAt(text, m.index)) return true;
  }
  return false;
}

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
  // a forwarded "thanks @ben" is whoever wrote it thanking, not the member who forwarded it
  if (author && message.forward_origin == null && saysThanks(text)) {
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
    const replied = repliedMember(message);
    if (replied) add({ userId: replied.id }, replied.is_bot);
  }
  return { amount: hasLink ? amounts.perLink : amounts.perMessage, hasLink, thanked };
}

/** What nobody sees at a name's edges: spaces, format characters, Hangul fillers, Braille blank. */
const BLANK = "[\\p{White_Space}\\p{Cf}\\u034F\\u115F\\u1160\\u3164\\uFFA0\\u2800]+";
const EDGES = new RegExp(`^${BLANK}|${BLANK}$`, "gu");
/** Bidi embeddings, overrides and isolates: one left open turns the rest of the line around. */
const BIDI = /[\u202A-\u202E\u2066-\u2069]/gu;

/**
 * A member's display name as Telegram gives it, as members see it: without bidi controls or
 * invisible edges; a name with nothing visible ("\u3164") reads as the username, else the id (as
 * a board names a member without a name: the same in every language).
 */
export function displayName(
  user: { id?: number; first_name: string; last_name?: string; username?: string },
): string {
  const visible = (text: string) => storableText(text).replace(BIDI, "").replace(EDGES, "");
  return visible([user.first_name, user.last_name].filter(Boolean).join(" ")) ||
    visible(user.username ?? "") || (user.id === undefined ? "?" : String(user.id));
}

/**
 * `text` as PostgreSQL can store it: without NUL characters, and with a lone UTF-16 surrogate as
 * U+FFFD. A name or title with either made the whole award fail, so the member's message went
 * unpaid (and unrecorded) for a character nobody sees.
 */
export function storableText(text: string): string {
  return text.replaceAll("\u0000", "").toWellFormed();
}

import type postgres from "postgres";
import { isDatabaseUnavailable } from "../db/outage.ts";
import {
  awardFor,
  CAP_WINDOW_SECONDS,
  CAPPED_REASONS,
  displayName,
  earnsNothing,
  type MessageLike,
  repliedMember,
  storableText,
  THANKS_COOLDOWN_MINUTES,
  topicOf,
  type XpAmounts,
} from "./xp_rules.ts";

export { THANKS_COOLDOWN_MINUTES };

export interface ChatLike {
  id: number;
  type: string;
  title?: string;
}

export interface AwardOutcome {
  /** XP the author got (0 when capped or already paid). */
  author: number;
  /** Whether this message had been paid before (a redelivered update). */
  duplicate: boolean;
  thanked: Array<{ userId: number; amount: number }>;
}

/**
 * Pays one group message, once: XP to the author, to up to three members thanked (and a
 * cooldown per thanker→thanked pair), counters, streak and last activity. Every payment,
 * thanks included, is capped so that no member earns more than `maxPerMinute` in any 60-s
 * window of message dates: thanks count in the *receiver's* window (the receiver is the one
 * earning them), and a thanked member at the cap gets 0 (the thanks is still counted and the
 * cooldown still starts). Service messages pay nothing and are not counted. Every award is a
 * ledger row bound to `(chat, message)`, so a redelivered update pays nothing; an album's photos
 * (one `media_group_id`, one update each) are one message: the first of them to arrive is paid
 * and counted, the rest are as redelivered. Times are the message's own date.
 *
 * Per-chat settings: `chats.xp_multiplier` scales every award of the message (author and
 * thanks) before the cap (`scaledAmount`: whole XP, half up); a message whose
 * forum topic (`topicOf`) is in `chats.no_xp_topics` pays 0 to everyone. Either way a message that
 * pays 0 still counts as activity: its 0-XP ledger rows are written (so a redelivery is still
 * recognised), counters, days active, last activity and the streak move as for any message,
 * and a thank-you is still counted and starts its cooldown.
 *
 * How (db/migrations/0019_ingest.sql): the whole award is one call of `award_message` on the
 * server, in one transaction. The cap is sound because every award to a member (as author or
 * as one thanked) holds that member's row lock `FOR UPDATE` until its transaction ends, taken in
 * user-id order so two messages thanking each other's authors cannot deadlock; reading the
 * windows (`award_window_peak`: the windows ending at the message's date and at the date of
 * each capped row in the next 60 s, see `cappedAmount`) and paying are thereby one step,
 * whatever the order and concurrency of delivery, across replicas too. Messages that arrive
 * while an earlier call is in flight on the same client are paid together by one call of
 * `award_messages` (group commit: one round trip and one commit for the lot, each message in
 * arrival order under the same locks; chats are spread over two such lanes that run side by side,
 * see `LANES`); the promise settles once that transaction committed. If the batch fails, each of
 * its messages is tried again alone, so one message's failure is its own.
 */
export async function awardMessage(
  sql: postgres.Sql,
  chat: ChatLike,
  message: MessageLike,
  amounts: XpAmounts,
): Promise<AwardOutcome> {
  const from = message.from;
  if (!from || earnsNothing(message)) return { author: 0, duplicate: false, thanked: [] };
  const award = awardFor(message, amounts);
  const at = new Date(message.date * 1000);
  // An album is one post delivered as one message per photo: it pays (and counts) once.
  let source = message.media_group_id
    ? `album:${message.media_group_id}`
    : `msg:${message.message_id}`;
  // A group already merged into its supergroup: paid there, as the merge keyed its messages.
  const movedTo = chat.type === "group" ? await movedChat(sql, chat.id) : undefined;
  if (movedTo !== undefined) {
    source = `${source}@${chat.id}`;
    chat = { id: movedTo, type: "supergroup", title: chat.title };
  }
  const kind = chat.type === "private"
    ? "private"
    : chat.type === "channel"
    ? "channel"
    : chat.type === "group"
    ? "group"
    : "supergroup";
  const ids = award.thanked.flatMap((t) => ("userId" in t ? [t.userId] : []));
  const usernames = award.thanked.flatMap((
    t,
  ) => ("username" in t ? [t.username.toLowerCase()] : []));
  const known = [repliedMember(message), ...(message.entities ?? []).map((e) => e.user)]
    .filter((u): u is NonNullable<typeof u> => !!u && ids.includes(u.id))
    .map((u) => ({
      user_id: u.id,
      name: displayName(u),
      username: u.username ?? null,
      is_bot: u.is_bot,
    }));

  const payload: AwardPayload = {
    chat: chat.id,
    title: storableText(chat.title ?? ""),
    kind,
    thread: topicOf(message) ?? null,
    source,
    at: at.toISOString(),
    language: from.language_code ?? null,
    base: award.amount,
    has_link: award.hasLink,
    users: [
      { user_id: from.id, name: displayName(from), username: from.username ?? null, is_bot: false },
      ...known,
    ],
    ids,
    usernames,
  };
  return await batcherFor(sql, amounts).submit(payload);
}

/** Per client, the groups known to be merged into a supergroup (a move is never undone). */
const moves = new WeakMap<postgres.Sql, Map<number, number>>();

/**
 * The supergroup a (basic) group was merged into (`chat_moves`, see chat_merge.ts), if it was:
 * one lookup per message of a group not known to have moved (basic groups only; a supergroup
 * never moves again), none once it is known.
 */
async function movedChat(sql: postgres.Sql, chat: number): Promise<number | undefined> {
  let known = moves.get(sql);
  if (!known) moves.set(sql, known = new Map());
  const cached = known.get(chat);
  if (cached !== undefined) return cached;
  const [row] = await sql<{ to: string }[]>`
    SELECT to_chat::text AS to FROM chat_moves WHERE from_chat = ${chat}`;
  if (!row) return undefined;
  known.set(chat, Number(row.to));
  return Number(row.to);
}

/** One message as `award_message` reads it (db/migrations/0019_ingest.sql). */
interface AwardPayload {
  chat: number;
  title: string;
  kind: string;
  thread: number | null;
  source: string;
  at: string;
  language: string | null;
  base: number;
  has_link: boolean;
  users: Array<{ user_id: number; name: string; username: string | null; is_bot: boolean }>;
  ids: number[];
  usernames: string[];
}

/** The rules as `award_messages` reads them (its second argument, as JSON). */
export function awardRules(amounts: XpAmounts) {
  return {
    per_thanks: amounts.perThanks,
    max_per_minute: amounts.maxPerMinute,
    window_s: CAP_WINDOW_SECONDS,
    cooldown_min: THANKS_COOLDOWN_MINUTES,
    reasons: CAPPED_REASONS,
  };
}

/** The most messages one `award_messages` call pays. */
const MAX_BATCH = 64;
interface Pending {
  payload: AwardPayload;
  resolve(outcome: AwardOutcome): void;
  reject(error: unknown): void;
}

/**
 * Group commit: a message is sent at once if no call is running in its lane (on this client, for
 * these XP rules), else it waits for that call to end and goes with every message of the lane
 * that arrived meanwhile. Nothing waits on a timer, so a lone message pays no added latency.
 */
function createLane(sql: postgres.Sql, rules: string) {
  const queue: Pending[] = [];
  let busy = false;
  const call = async (items: Pending[]): Promise<AwardOutcome[]> => {
    const [row] = await sql<{ outcomes: AwardOutcome[] }[]>`
      SELECT award_messages(${JSON.stringify(items.map((p) => p.payload))}::text::jsonb,
                            ${rules}::text::jsonb) AS outcomes`;
    return row.outcomes.map((o) => ({
      author: Number(o.author),
      duplicate: o.duplicate,
      thanked: o.thanked.map((t) => ({ userId: Number(t.userId), amount: Number(t.amount) })),
    }));
  };
  const run = async (items: Pending[]) => {
    try {
      const outcomes = await call(items);
      items.forEach((p, i) => p.resolve(outcomes[i]));
    } catch (error) {
      // A lost connection fails them all; anything else (a deadlock with a replica, a value the
      // database refuses) is tried again one by one, so it stays the failing message's own.
      const code = (error as { code?: unknown }).code;
      const lost = isDatabaseUnavailable(error) && !(typeof code === "string" && /^40/.test(code));
      if (items.length === 1 || lost) {
        for (const p of items) p.reject(error);
      } else {
        await Promise.all(items.map((p) => call([p]).then(([o]) => p.resolve(o), p.reject)));
      }
    }
  };
  const pump = () => {
    if (busy || queue.length === 0) return;
    busy = true;
    run(queue.splice(0, MAX_BATCH)).finally(() => {
      busy = false;
      pump();
    });
  };
  return {
    submit(payload: AwardPayload): Promise<AwardOutcome> {
      return new Promise((resolve, reject) => {
        queue.push({ payload, resolve, reject });
        pump();
      });
    },
  };
}

/**
 * Lanes: a chat's messages always go to the same lane (`chat mod LANES`), one call at a time per
 * lane, the lanes side by side on connections of their own. Every row an award writes or locks
 * (the chat, its members, their streaks, ledger keys and thank-you cooldowns) is keyed by the
 * chat, so two lanes never wait for each other, and a chat's messages keep their arrival order.
 * Two lanes: in the bench's `ingest` phase on 2 cores, 20–30 % more updates a second than one
 * (whose one connection was busy ≈96 % of the time while the second core had room), and three
 * were no better than two. Overlapping batches of the same chats were worse than one at a time:
 * four cost the database ≈1.5× the CPU per message (they wait on the same members' rows) for no
 * more throughput.
 */
const LANES = 2;

function createBatcher(sql: postgres.Sql, amounts: XpAmounts) {
  const rules = JSON.stringify(awardRules(amounts));
  const lanes = Array.from({ length: LANES }, () => createLane(sql, rules));
  return {
    submit(payload: AwardPayload): Promise<AwardOutcome> {
      return lanes[Math.abs(payload.chat) % LANES].submit(payload);
    },
  };
}

const batchers = new WeakMap<postgres.Sql, Map<string, ReturnType<typeof createBatcher>>>();

function batcherFor(sql: postgres.Sql, amounts: XpAmounts) {
  let byRules = batchers.get(sql);
  if (!byRules) batchers.set(sql, byRules = new Map());
  const key = JSON.stringify(amounts);
  let batcher = byRules.get(key);
  if (!batcher) byRules.set(key, batcher = createBatcher(sql, amounts));
  return batcher;
}

/** Telegram's sending limits as Warden paces itself (configurable; defaults are Telegram's). */
export interface PaceLimits {
  /** Messages per second over all chats (≈30). */
  globalPerSecond: number;
  /** Messages per second to one chat (≈1). */
  perChatPerSecond: number;
  /** Messages per minute to one group (20). */
  perGroupPerMinute: number;
}

export const telegramLimits: PaceLimits = {
  globalPerSecond: 30,
  perChatPerSecond: 1,
  perGroupPerMinute: 20,
};

/** A margin so that Warden's windows close a moment after Telegram's. */
const MARGIN_MS = 2;

/** One send in the windows; its time moves to when Telegram answered (it counted it by then). */
export interface PacedSend {
  t: number;
}

/**
 * Rolling windows of what was sent, per chat, per group and overall: `nextAllowed` says when
 * a message to a chat may go without breaking any limit. A send counts from when it left
 * until it was answered (`settle`), so time in flight never lets two sends look further apart
 * than Telegram saw them. Pure bookkeeping over times it is given; the caller waits.
 */
export function createPacer(limits: PaceLimits) {
  const global: PacedSend[] = [];
  const perChat = new Map<number, PacedSend[]>();
  const perGroup = new Map<number, PacedSend[]>();
  /** Lanes Telegram told us to leave alone (429 `retry_after`), until when. */
  const blocked = new Map<number | "global", number>();

  function windowOpens(
    sends: PacedSend[] | undefined,
    size: number,
    spanMs: number,
    now: number,
  ): number {
    if (!sends) return now;
    while (sends.length && sends[0].t <= now - spanMs) sends.shift();
    if (sends.length < size) return now;
    const times = sends.map((s) => s.t).sort((a, b) => a - b);
    return times[times.length - size] + spanMs + MARGIN_MS;
  }

  function add(map: Map<number, PacedSend[]>, chatId: number, send: PacedSend) {
    const list = map.get(chatId) ?? [];
    list.push(send);
    map.set(chatId, list);
  }

  return {
    nextAllowed(chatId: number, now: number): number {
      return Math.max(
        blocked.get("global") ?? now,
        blocked.get(chatId) ?? now,
        windowOpens(global, limits.globalPerSecond, 1_000, now),
        windowOpens(perChat.get(chatId), limits.perChatPerSecond, 1_000, now),
        chatId < 0 ? windowOpens(perGroup.get(chatId), limits.perGroupPerMinute, 60_000, now) : now,
      );
    },
    /**
     * The ids of `rows` that may be sent at `now`, in order, at most `most` and one per chat (a
     * chat's next row waits for its window).
     */
    ready(rows: Iterable<{ id: number; chat_id: number }>, now: number, most: number): number[] {
      const ids: number[] = [];
      const chats = new Set<number>();
      for (const r of rows) {
        if (chats.has(r.chat_id) || this.nextAllowed(r.chat_id, now) > now) continue;
        chats.add(r.chat_id);
        if (ids.push(r.id) >= most) break;
      }
      return ids;
    },
    /** Counts a send leaving now; call `settle` with it when the answer came. */
    record(chatId: number, at: number): PacedSend {
      const send = { t: at };
      global.push(send);
      add(perChat, chatId, send);
      if (chatId < 0) add(perGroup, chatId, send);
      return send;
    },
    settle(send: PacedSend, answeredAt: number) {
      send.t = Math.max(send.t, answeredAt);
    },
    /**
     * What was sent to `chatId` lately, as the database knows it (every replica's sends): its
     * chat's and group's windows start from these times instead of this replica's own.
     */
    seed(chatId: number, times: number[]) {
      perChat.set(chatId, times.map((t) => ({ t })));
      if (chatId < 0) perGroup.set(chatId, times.map((t) => ({ t })));
    },
    /** Nothing goes to `lane` (a chat, or every chat) before `until`: a 429's `retry_after`. */
    block(lane: number | "global", until: number) {
      blocked.set(lane, Math.max(until, blocked.get(lane) ?? until));
    },
    /** Forgets chats with nothing in their windows (keeps memory bounded). */
    prune(now: number) {
      for (const [map, span] of [[perChat, 1_000], [perGroup, 60_000]] as const) {
        for (const [chat, sends] of map) {
          if (sends.every((s) => s.t <= now - span)) map.delete(chat);
        }
      }
      for (const [lane, until] of blocked) if (until <= now) blocked.delete(lane);
    },
  };
}

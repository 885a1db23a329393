import type postgres from "postgres";
import type { Clock } from "../actors/clock.ts";
import type { Logger } from "../actors/log.ts";
import { markSent, type SentMark } from "./outbox_claim.ts";

/**
 * Sends one message, with its inline keyboard if it has one; resolves to Telegram's answer (the
 * message's id is kept); throws `{ error_code, description, parameters }`-like errors (grammY's).
 */
export type SendMessage = (
  chatId: number,
  text: string,
  extra?: { reply_markup?: unknown },
) => Promise<unknown>;

/** The `message_id` of a sendMessage answer, or null. */
const messageIdOf = (answer: unknown) => {
  const id = (answer as { message_id?: unknown } | null)?.message_id;
  return typeof id === "number" ? id : null;
};

/**
 * Sent marks of one claim, written as soon as each send resolves: while one write is on its
 * way, the next marks gather and go together in the following one. A failed write keeps its
 * marks for the next and sets `failing`, and the batch sends nothing more until one succeeds.
 */
export function createMarks(
  o: {
    sql: postgres.Sql;
    token: string;
    clock: Clock;
    log: Logger;
    onMarked: (ids: number[], marked: number) => void;
  },
) {
  let waiting: SentMark[] = [];
  let writing: Promise<void> | null = null;
  let failing = false;

  function flush(): Promise<void> {
    return writing ??= (async function writeMarks() {
      try {
        while (waiting.length > 0) {
          const ids = waiting;
          waiting = [];
          try {
            o.onMarked(ids.map((m) => m.id), await markSent(o.sql, o.token, ids, o.clock.now()));
            failing = false;
          } catch (error) {
            waiting = ids.concat(waiting);
            if (!failing) o.log.warn("cannot mark outbox rows sent", { token: o.token, error });
            failing = true;
            throw error;
          }
        }
      } finally {
        writing = null;
      }
    })();
  }

  return {
    get failing() {
      return failing;
    },
    /** A row sent; Telegram's `answer` gives its message id. */
    add(id: number, answer?: unknown) {
      waiting.push({ id, messageId: messageIdOf(answer) });
      flush().catch(() => {}); // logged, and `failing` holds the batch back
    },
    flush,
  };
}

/** The Bot API double's `sendPoll`: the message with its poll, as Telegram answers it. */
import { botUser, chat, SECOND } from "./bot_api_wire.ts";

/**
 * The message a `sendPoll` with `params` answers, numbered `messageId`, sent at `at` (ms): its
 * poll's id (`poll-<messageId>`) is the one `poll_answer` updates carry. `options` may come as
 * JSON text (a form) or as strings or `{ text }` objects.
 */
export function pollMessage(params: Record<string, unknown>, messageId: number, at: number) {
  const options = typeof params.options === "string" ? JSON.parse(params.options) : params.options;
  const poll = {
    id: `poll-${messageId}`,
    question: String(params.question ?? ""),
    options: (options as Array<string | { text: string }>).map((o) => ({
      text: typeof o === "string" ? o : o.text,
      voter_count: 0,
    })),
    total_voter_count: 0,
    is_closed: false,
    is_anonymous: params.is_anonymous !== false && params.is_anonymous !== "false",
    type: params.type ?? "regular",
    allows_multiple_answers: false,
  };
  return {
    message_id: messageId,
    date: Math.floor(at / SECOND),
    chat: chat(params.chat_id as number | string),
    from: botUser,
    poll,
  };
}

/**
 * The Bot API double's wire: the shapes it records and answers with, and how it answers
 * (`bot_api.ts` holds the double's state and routes).
 */
import type { Context } from "grammy";

/** An update as Telegram sends it (`grammy/types` is not in the import map). */
export type Update = Context["update"];

/** A chat member's status, as `getChatMember` reports it. */
export type ChatMemberStatus =
  | "creator"
  | "administrator"
  | "member"
  | "restricted"
  | "left"
  | "kicked";

/** What an injected failure answers: a Bot API error, or a dropped connection. */
export type InjectedError =
  | { code: number; description?: string; retryAfter?: number; migrateToChatId?: number }
  | { network: true };

/** A failure rule for `failNext`: which calls it hits, how many times, and what they get. */
export interface FailureRule {
  /** Only calls to this chat (compared as strings); every chat when omitted. */
  chatId?: number | string;
  /** Only this method; default `"sendMessage"`. */
  method?: string;
  /** How many calls fail; default 1, `Infinity` until `clearFailures()`. */
  times?: number;
  error: InjectedError;
}

/** Telegram's send limits; `false` turns one off. Windows roll on the double's clock. */
export interface RateLimits {
  /** Messages per rolling second in any one chat, groups included (default 1). */
  perChatPerSecond: number | false;
  /** Messages per rolling minute in one group chat, id < 0 (default 20). */
  perGroupPerMinute: number | false;
  /** Messages per rolling second over all chats (default 30). */
  globalPerSecond: number | false;
}

export interface BotApiDoubleOptions {
  /** Accept only this token; others get 401. Any token when omitted. */
  token?: string;
  /** The double's clock in ms, for `at` stamps and the limits; default `Date.now`. */
  now?: () => number;
  /** Override limits one by one, or `false` for none. */
  limits?: Partial<RateLimits> | false;
}

export interface ApiCall {
  method: string;
  params: Record<string, unknown>;
  at: number;
}

export interface SentMessage {
  chat_id: number | string;
  text: string;
  message_id: number;
  at: number;
}

export interface LimitedCall {
  chat_id: number | string;
  /** Which limit refused the send. */
  scope: "chat" | "group" | "global";
  retry_after: number;
  at: number;
}

/** The bot user `getMe` answers with. */
export const botUser = {
  id: 999,
  is_bot: true,
  first_name: "Warden",
  username: "warden_test_bot",
} as const;

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
const defaultDescriptions: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  500: "Internal Server Error",
  502: "Bad Gateway",
};

export const dropped = new Error("connection dropped by the Bot API double");
export const conflict = {
  code: 409,
  description: "Conflict: terminated by other getUpdates request; " +
    "make sure that only one bot instance is running",
} as const;
export const isGroup = (chatId: unknown) => /^[-@]/.test(String(chatId));

export const json = (status: number, body: unknown) => Response.json(body, { status });
export const ok = (result: unknown) => json(200, { ok: true, result });

export function error(e: Exclude<InjectedError, { network: true }>): Response {
  const description = e.code === 429
    ? `Too Many Requests: retry after ${e.retryAfter ?? 1}`
    : e.description ?? defaultDescriptions[e.code] ?? "Error";
  const parameters = e.code === 429
    ? { retry_after: e.retryAfter ?? 1 }
    : e.migrateToChatId !== undefined
    ? { migrate_to_chat_id: e.migrateToChatId }
    : undefined;
  return json(e.code, { ok: false, error_code: e.code, description, parameters });
}

/**
 * Headers go out, then the body stream errors, so Deno drops the connection mid-response
 * and the client's read fails (grammY: `HttpError`). Throwing in the handler would answer
 * 500 instead. `onError` below keeps the expected stream error off the console.
 */
export function dropConnection(): Response {
  return new Response(
    new ReadableStream({
      pull(controller) {
        controller.error(dropped);
      },
    }),
    { headers: { "content-type": "application/json" } },
  );
}

export function chat(id: unknown) {
  return isGroup(id)
    ? { id, type: "supergroup", title: `Group ${id}` }
    : { id, type: "private", first_name: `User ${id}` };
}

/** What a test set `getChatMember` to answer for one user in one chat. */
export interface ChatMemberSet {
  status: ChatMemberStatus;
  /** A restricted member's `is_member`: still in the chat. */
  isMember: boolean;
}

/** `getChatMember`'s answer: a member unless set; a restricted one says if still in the chat. */
export function chatMember(userId: unknown, set?: ChatMemberSet) {
  const status = set?.status ?? "member";
  return {
    status,
    user: { id: userId, is_bot: false, first_name: `User ${userId}` },
    ...(status === "restricted" ? { is_member: set?.isMember ?? true } : {}),
  };
}

/** A call's parameters, sent as JSON or as a form. */
export async function readParams(req: Request): Promise<Record<string, unknown>> {
  const type = req.headers.get("content-type") ?? "";
  if (type.includes("json")) return await req.json();
  if (type.includes("form")) return Object.fromEntries(await req.formData());
  return {};
}

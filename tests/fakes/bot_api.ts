/**
 * A fake Telegram Bot API on loopback for grammY (`client: { apiRoot: double.apiRoot }`): it
 * records calls, enforces Telegram's send limits on its own clock, and answers 429/403/400/5xx
 * or drops the connection on demand.
 */
import { type DeadlineOptions, withDeadline } from "./deadline.ts";
import { sendLimiter } from "./bot_api_limits.ts";
import { pollMessage } from "./bot_api_poll.ts";
import {
  type ApiCall,
  type BotApiDoubleOptions,
  botUser,
  chat,
  chatMember,
  type ChatMemberSet,
  type ChatMemberStatus,
  conflict,
  dropConnection,
  dropped,
  error,
  type FailureRule,
  type InjectedError,
  type LimitedCall,
  ok,
  readParams,
  SECOND,
  type SentMessage,
  type Update,
} from "./bot_api_wire.ts";

export type { InjectedError, Update } from "./bot_api_wire.ts";

/**
 * Serves a fake Bot API on `127.0.0.1` with an ephemeral port; close (or `await using`) it.
 *
 * @example
 * await using api = botApiDouble({ now: () => t });
 * const bot = new Bot("1:x", { client: { apiRoot: api.apiRoot } });
 */
export function botApiDouble(options: BotApiDoubleOptions = {}) {
  const now = options.now ?? Date.now;
  const limiter = sendLimiter(options.limits);
  const calls: ApiCall[] = [];
  const sent: SentMessage[] = [];
  const limited: LimitedCall[] = [];
  const failures: Array<FailureRule & { times: number }> = [];
  const blocked = new Set<string>();
  const members = new Map<string, ChatMemberSet>();
  let queue: Update[] = [];
  let nextMessageId = 1;
  let nextIncomingId = 1;
  let nextUpdateId = 1;
  let closed = false;
  /** What `setWebhook` registered; `getWebhookInfo` answers it. */
  let webhook: Record<string, unknown> = { url: "" };
  /** Parked long polls: woken empty-handed (an update came, or time ran out) or with an error. */
  const waiters = new Set<(answer?: InjectedError) => void>();
  let watchers: Array<() => void> = [];

  function notifyWatchers() {
    for (const notify of watchers) notify();
    watchers = [];
  }

  function takeFailure(method: string, params: Record<string, unknown>) {
    const rule = failures.find((r) =>
      (r.method ?? "sendMessage") === method &&
      (r.chatId === undefined || String(r.chatId) === String(params.chat_id))
    );
    if (rule && --rule.times <= 0) failures.splice(failures.indexOf(rule), 1);
    return rule?.error;
  }

  /** Refuses a send to a blocked chat or past a limit, or records it as sent. */
  function sendMessage(params: Record<string, unknown>, at: number): Response {
    const chatId = params.chat_id as number | string;
    const key = String(chatId);
    if (blocked.has(key)) {
      return error({ code: 403, description: "Forbidden: bot was blocked by the user" });
    }
    // Telegram's own refusals of a text: none, not UTF-8, or past 4,096 characters (UTF-16 units).
    const text = String(params.text ?? "");
    if (text.trim() === "") {
      return error({ code: 400, description: "Bad Request: message text is empty" });
    }
    if (!text.isWellFormed()) {
      // a lone UTF-16 surrogate (half an emoji, cut by a slice) is no UTF-8 Telegram reads
      return error({ code: 400, description: "Bad Request: strings must be encoded in UTF-8" });
    }
    if (text.length > 4096) {
      return error({ code: 400, description: "Bad Request: message is too long" });
    }
    const refused = limiter.refusal(chatId, at);
    if (refused) {
      limited.push({ chat_id: chatId, ...refused, at });
      return error({ code: 429, retryAfter: refused.retry_after });
    }
    limiter.record(chatId, at);
    const message_id = nextMessageId++;
    sent.push({ chat_id: chatId, text, message_id, at });
    return ok({
      message_id,
      date: Math.floor(at / SECOND),
      chat: chat(chatId),
      from: botUser,
      text,
    });
  }

  /**
   * Parks a long poll until an update is pushed, `ms` pass, the double closes, another
   * `getUpdates` supersedes it, or `failPolling` answers it (then with that error). Client
   * disconnects go unnoticed: reading
   * `request.signal` makes Deno 2.9 warn about its legacy abort, so a stopped poller's request
   * waits for the next `getUpdates` (grammY's `bot.stop` sends one) or for `close()`.
   */
  function waitForUpdate(ms: number): Promise<InjectedError | undefined> {
    return new Promise((resolve) => {
      const wake = (answer?: InjectedError) => {
        clearTimeout(timer);
        waiters.delete(wake);
        resolve(answer);
      };
      const timer = setTimeout(wake, ms);
      waiters.add(wake);
      notifyWatchers();
    });
  }

  async function getUpdates(params: Record<string, unknown>) {
    // As on Telegram, a new getUpdates ends the one still waiting with 409.
    for (const wake of [...waiters]) wake(conflict);
    const offset = Number(params.offset ?? 0);
    // Asking from `offset` confirms everything before it, as on Telegram.
    if (offset > 0) queue = queue.filter((u) => u.update_id >= offset);
    const timeout = Number(params.timeout ?? 0);
    const answer = queue.length === 0 && timeout > 0 && !closed
      ? await waitForUpdate(timeout * SECOND)
      : undefined;
    if (answer) return "network" in answer ? dropConnection() : error(answer);
    const limit = Math.min(100, Math.max(1, Number(params.limit ?? 100)));
    return ok(queue.slice(0, limit));
  }

  async function handle(req: Request): Promise<Response> {
    const route = new URL(req.url).pathname.match(/^\/bot([^/]+)\/(?:test\/)?(\w+)$/);
    if (!route) return error({ code: 404, description: "Not Found" });
    const [, token, method] = route;
    const params = await readParams(req);
    const at = now();
    calls.push({ method, params, at });
    if (options.token !== undefined && token !== options.token) return error({ code: 401 });
    const failure = takeFailure(method, params);
    if (failure) return "network" in failure ? dropConnection() : error(failure);
    switch (method) {
      case "getMe":
        return ok(botUser);
      case "sendMessage":
        return sendMessage(params, at);
      case "sendPoll": // the message with its poll, whose id `poll_answer` updates carry
        return ok(pollMessage(params, nextMessageId++, at));
      case "getUpdates":
        return await getUpdates(params);
      case "getChat":
        return ok(chat(params.chat_id));
      case "getChatMember":
        return ok(chatMember(params.user_id, members.get(`${params.chat_id}:${params.user_id}`)));
      case "setWebhook":
        webhook = {
          url: String(params.url ?? ""),
          ...(params.allowed_updates ? { allowed_updates: params.allowed_updates } : {}),
          ...(params.max_connections ? { max_connections: params.max_connections } : {}),
        };
        return ok(true);
      case "deleteWebhook":
        webhook = { url: "" };
        if (params.drop_pending_updates) queue = [];
        return ok(true);
      case "getWebhookInfo":
        return ok({
          ...webhook,
          has_custom_certificate: false,
          pending_update_count: queue.length,
        });
      default: // setMyCommands and the rest
        return ok(true);
    }
  }

  function onError(e: unknown): Response {
    if (e !== dropped) console.error("Bot API double failed:", e);
    return error({ code: 500 });
  }

  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {}, onError }, handle);
  let closing: Promise<void> | undefined;

  const double = {
    /** Pass as grammY's `client.apiRoot`. */
    apiRoot: `http://127.0.0.1:${server.addr.port}`,
    /** Every call, wrong tokens and failures included. */
    calls: calls as readonly ApiCall[],
    /** Successful `sendMessage` calls. */
    sent: sent as readonly SentMessage[],
    /** `sendMessage` calls refused by a rate limit (not injected 429s). */
    limited: limited as readonly LimitedCall[],
    /** Queues an update for `getUpdates` (numbering it if `update_id` is 0 or missing). */
    pushUpdate(update: Omit<Update, "update_id"> & { update_id?: number }): Update {
      const queued = { ...update, update_id: update.update_id || nextUpdateId } as Update;
      nextUpdateId = Math.max(nextUpdateId, queued.update_id + 1);
      queue.push(queued);
      for (const wake of [...waiters]) wake();
      return queued;
    },
    /** Queues a text message from `fromId` in `chatId`; a leading `/command` gets its entity. */
    pushText(chatId: number, text: string, fromId = chatId): Update {
      const command = text.match(/^\/\S+/)?.[0];
      return double.pushUpdate({
        message: {
          message_id: nextIncomingId++,
          date: Math.floor(now() / SECOND),
          chat: chat(chatId),
          from: { id: fromId, is_bot: false, first_name: `User ${fromId}` },
          text,
          ...(command &&
            { entities: [{ type: "bot_command", offset: 0, length: command.length }] }),
        } as NonNullable<Update["message"]>,
      });
    },
    /**
     * Resolves once a `getUpdates` long poll is waiting (or the double closes); fails once the
     * deadline (60 s by default) passes, with the last calls the double saw.
     */
    polling(options?: DeadlineOptions): Promise<void> {
      if (waiters.size > 0 || closed) return Promise.resolve();
      return withDeadline(
        new Promise<void>((resolve) => watchers.push(resolve)),
        "a getUpdates long poll to the Bot API double",
        {
          ...options,
          lastSeen: () =>
            calls.slice(-5).map((c) => `${c.method} ${JSON.stringify(c.params)}`).join("\n"),
        },
      );
    },
    /**
     * Answers the `getUpdates` long polls waiting now with `error` (default 409 Conflict, as when
     * another instance polls; `{ code: 401 }` as when the token is revoked). Later polls are
     * unaffected: add a `failNext({ method: "getUpdates", … })` rule for those.
     */
    failPolling(error: InjectedError = conflict) {
      for (const wake of [...waiters]) wake(error);
    },
    /** Makes the next matching calls fail; see `FailureRule`. */
    failNext(rule: FailureRule) {
      failures.push({ ...rule, times: rule.times ?? 1 });
    },
    clearFailures() {
      failures.length = 0;
    },
    /** Every `sendMessage` to `chatId` answers 403 "bot was blocked by the user". */
    block(chatId: number | string) {
      blocked.add(String(chatId));
    },
    unblock(chatId: number | string) {
      blocked.delete(String(chatId));
    },
    /** What `getChatMember` answers for the user in the chat (default "member"); see `chatMember`. */
    setChatMember(
      chatId: number | string,
      userId: number,
      status: ChatMemberStatus,
      isMember = true,
    ) {
      members.set(`${chatId}:${userId}`, { status, isMember });
    },
    /** Clears records, injected failures and the limits' history; blocks and members stay. */
    reset() {
      for (const list of [calls, sent, limited, failures]) list.length = 0;
      limiter.clear();
    },
    /** Releases pending long polls and stops the server. */
    close(): Promise<void> {
      closed = true;
      for (const wake of [...waiters]) wake();
      notifyWatchers();
      return closing ??= server.shutdown();
    },
    [Symbol.asyncDispose]: () => double.close(),
  };
  return double;
}

/** A running Bot API double. */
export type BotApiDouble = ReturnType<typeof botApiDouble>;

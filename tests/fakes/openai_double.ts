/**
 * A fake OpenAI-compatible chat-completions API on loopback: `POST /v1/chat/completions`
 * answers from a queue of scripted replies in the real response shapes (a `chat.completion`
 * object, or an `{ error: { message, type, param, code } }` body), and every request is
 * recorded. Dispose of it (`await using`) to close it, hanging requests included.
 */

/** One scripted answer, taken in order by the next request. */
export type OpenAIReply =
  /** A completion whose message content is `JSON.stringify(json)`. */
  | { json: unknown }
  /** A completion whose message content is this text as is. */
  | { content: string; finishReason?: string }
  /** An error status with OpenAI's error body (none when `error` is omitted). */
  | { status: number; error?: { message: string; type?: string; code?: string | null } }
  /** Never answers, until the double closes (the client's timeout is what ends the wait). */
  | { hang: true }
  /**
   * This body with status 200 (or `status`), for shapes the others do not cover: a string as
   * is (an HTML error page from a proxy), anything else as JSON.
   */
  | { raw: unknown; status?: number };

export interface OpenAIRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: unknown;
}

/** The request body the double understands (the fields Warden sends). */
export interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  response_format?: { type: string };
  temperature?: number;
}

export interface OpenAIDouble extends AsyncDisposable {
  /** The API base to configure, `http://127.0.0.1:<port>/v1`. */
  url: string;
  requests: readonly OpenAIRequest[];
  /** Queues replies for the next requests; with none queued a request gets a 500. */
  reply(...replies: OpenAIReply[]): void;
  close(): Promise<void>;
}

const errorBody = (message: string, type: string, code: string | null) => ({
  error: { message, type, param: null, code },
});

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** A completion as OpenAI returns it, `content` as the assistant's message. */
export function chatCompletion(model: string, content: string, finishReason = "stop") {
  const prompt = 50;
  const completion = Math.ceil(content.length / 4);
  return {
    id: `chatcmpl-${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{
      index: 0,
      message: { role: "assistant", content, refusal: null },
      logprobs: null,
      finish_reason: finishReason,
    }],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
    },
  };
}

export function openaiDouble(): OpenAIDouble {
  const requests: OpenAIRequest[] = [];
  const queue: OpenAIReply[] = [];
  const hanging = new Set<() => void>();

  async function handle(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname;
    const text = await req.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    requests.push({ method: req.method, path, headers: Object.fromEntries(req.headers), body });
    if (req.method !== "POST" || path !== "/v1/chat/completions") {
      const message = `Unknown request URL: ${req.method} ${path}. Please check the URL.`;
      return json(404, errorBody(message, "invalid_request_error", "unknown_url"));
    }
    const chat = body as Partial<ChatRequest> | undefined;
    if (!chat || typeof chat.model !== "string" || !Array.isArray(chat.messages)) {
      const message = "The request needs a JSON body with 'model' and 'messages'.";
      return json(400, errorBody(message, "invalid_request_error", null));
    }
    const reply = queue.shift();
    if (!reply) return json(500, errorBody("No scripted reply left", "server_error", null));
    if ("hang" in reply) {
      await new Promise<void>((resolve) => {
        const done = () => {
          hanging.delete(done);
          resolve();
        };
        hanging.add(done);
      });
      return json(503, errorBody("The double closed", "server_error", null));
    }
    if ("raw" in reply && typeof reply.raw === "string") {
      return new Response(reply.raw, { status: reply.status ?? 200 });
    }
    if ("raw" in reply) return json(reply.status ?? 200, reply.raw);
    if ("status" in reply) {
      if (!reply.error) return new Response(null, { status: reply.status });
      const { message, type = "invalid_request_error", code = null } = reply.error;
      return json(reply.status, errorBody(message, type, code));
    }
    const content = "json" in reply ? JSON.stringify(reply.json) : reply.content;
    const finish = "finishReason" in reply ? reply.finishReason : undefined;
    return json(200, chatCompletion(chat.model, content, finish));
  }

  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, handle);
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      for (const done of [...hanging]) done();
      await server.shutdown();
    })();

  return {
    url: `http://127.0.0.1:${server.addr.port}/v1`,
    requests,
    reply(...replies) {
      queue.push(...replies);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

const t = (en: string, es: string) => ({ en, es });

/** A valid dilemma as a model would answer it (the caseDraft fields but `key`). */
export const DRAFT = {
  title: t("The borrowed ladder", "La escalera prestada"),
  body: t(
    "Your neighbour lent you a ladder and it broke while you used it. It was already cracked.",
    "Tu vecino te prestó una escalera y se rompió mientras la usabas. Ya estaba agrietada.",
  ),
  options: [
    { id: "pay", label: t("Pay for a new one", "Pagar una nueva") },
    { id: "tell", label: t("Tell him, offer half", "Contárselo y ofrecer la mitad") },
    { id: "hide", label: t("Return it and say nothing", "Devolverla sin decir nada") },
  ],
  verdict: "tell",
  reasoning: t(
    "Honesty first; the crack means the cost is fairly shared.",
    "Primero la verdad; la grieta hace justo repartir el coste.",
  ),
};

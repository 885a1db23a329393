import type { Context, MiddlewareHandler } from "hono";

/**
 * Refuses a request body over `maxBytes` before a route reads it: by its `Content-Length`, or,
 * sent without one (chunked), by counting it as it comes and stopping at the limit. Hono's own
 * `bodyLimit` does the same but rebuilds the request as `new Request(raw, …)`, which reads
 * `raw.signal`, and Deno 2.9 then prints a plain-text notice about that signal's legacy abort on
 * stderr, in the middle of JSON logs.
 */
export function bodyLimit(
  maxBytes: number,
  onError: (c: Context) => Response | Promise<Response>,
): MiddlewareHandler {
  return async function limitBody(c, next) {
    const raw = c.req.raw;
    if (!raw.body) return await next();
    const length = raw.headers.get("content-length");
    if (length !== null && !raw.headers.has("transfer-encoding")) {
      return Number(length) > maxBytes ? await onError(c) : await next();
    }
    const reader = raw.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) {
        await reader.cancel();
        return await onError(c);
      }
      chunks.push(value);
    }
    const body = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) body.set(chunk, (at += chunk.length) - chunk.length);
    c.req.raw = new Request(raw.url, { method: raw.method, headers: raw.headers, body });
    return await next();
  };
}

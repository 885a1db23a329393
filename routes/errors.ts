import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  ActorStoppedError,
  MailboxFullError,
  ShuttingDownError,
  UnknownJobError,
} from "../actors/errors.ts";
import type { Logger } from "../actors/log.ts";

/** An HTTP answer other than 2xx, with a message that names the problem. */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(readonly status: ContentfulStatusCode, message: string) {
    super(message);
  }
}

/** The one error mapper: every failure becomes `{ "error": "…" }` with the right status. */
export function errorHandler(log: Logger) {
  return function onError(error: Error, c: Context) {
    if (error instanceof HttpError) return c.json({ error: error.message }, error.status);
    if (error instanceof UnknownJobError) return c.json({ error: error.message }, 404);
    if (error instanceof MailboxFullError) return c.json({ error: error.message }, 429);
    if (error instanceof ActorStoppedError) return c.json({ error: error.message }, 409);
    if (error instanceof ShuttingDownError) return c.json({ error: error.message }, 503);
    if (error instanceof HTTPException) {
      // bearer-auth's answers come whole (JSON body, WWW-Authenticate): pass them on
      if (error.res) return error.getResponse();
      return c.json({ error: error.message }, error.status);
    }
    if (error instanceof SyntaxError) {
      return c.json({ error: `bad JSON body: ${error.message}` }, 400);
    }
    log.error("request failed", { path: c.req.path, error });
    return c.json({ error: `internal error: ${error.message}` }, 500);
  };
}

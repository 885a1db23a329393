import type { Context, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  ActorStoppedError,
  MailboxFullError,
  ShuttingDownError,
  UnknownJobError,
} from "../actors/errors.ts";
import type { Logger } from "../actors/log.ts";
import { isDatabaseUnavailable } from "../db/outage.ts";
import { rowId } from "../domain/row_id.ts";

/** An HTTP answer other than 2xx, with a message that names the problem. */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(readonly status: ContentfulStatusCode, message: string) {
    super(message);
  }
}

/** The one value of query parameter `name` (undefined when absent); 400 when it is repeated. */
export function singleQuery(c: Context, name: string): string | undefined {
  const values = c.req.queries(name) ?? [];
  if (values.length > 1) {
    throw new HttpError(400, `query ${name} given ${values.length} times: expected it once`);
  }
  return values[0];
}

/**
 * Middleware for the JSON API's routes: 400 for a query parameter the route does not read, naming
 * it and the ones it does (`?limt=5` would otherwise answer the default quietly). Probes, the
 * metrics scrape, the webhook and the dashboard's pages ignore what they do not read.
 *
 * ```ts
 * app.get("/incidents", admin, knownQuery("state", "limit"), handler);
 * ```
 */
export function knownQuery(...names: string[]): MiddlewareHandler {
  const known = new Set(names);
  const takes = names.length ? `known are ${names.join(", ")}` : "this route takes none";
  return async function knownQuery(c, next) {
    const given = new Set(new URL(c.req.url).searchParams.keys());
    const unknown = [...given].filter((name) => !known.has(name)).map((n) => JSON.stringify(n));
    if (unknown.length > 0) {
      const what = unknown.length === 1 ? "parameter" : "parameters";
      throw new HttpError(400, `unknown query ${what} ${unknown.join(", ")}: ${takes}`);
    }
    await next();
  };
}

/**
 * A row id typed in a path or a query (`rowId`: 1 to 2^53 - 1, digits only, no leading zero),
 * or 400 naming `what` it is, the `noun` it stands for and what was sent (`rowIdDetail`).
 */
export function rowIdOr400(raw: string | undefined, what: string, noun: string): number {
  const parsed = rowId.safeParse(raw);
  if (!parsed.success) {
    throw new HttpError(
      400,
      `${what} must be a positive whole number (${noun}), got ${JSON.stringify(raw ?? "")}${
        rowIdDetail(raw)
      }`,
    );
  }
  return parsed.data;
}

/**
 * Why digits `rowId` refuses are no row id, as a suffix of its 400 (empty for anything else):
 * a leading zero (`007`), or past 2^53 - 1, where no row id goes.
 */
export function rowIdDetail(raw: string | undefined): string {
  if (!/^\d+$/.test(raw ?? "") || /^0+$/.test(raw!)) return "";
  if (raw!.startsWith("0")) return ": no leading zero";
  return Number.isSafeInteger(Number(raw)) ? "" : `: at most ${Number.MAX_SAFE_INTEGER} (2^53 - 1)`;
}

/** How long a route that reads or writes the database waits before answering 503. */
export const ROUTE_DEADLINE_MS = 5_000;

/** The database did not answer within a route's deadline. */
export class DatabaseTimeoutError extends Error {
  override name = "DatabaseTimeoutError";
  constructor(readonly ms: number) {
    super(`no answer from the database within ${ms} ms`);
  }
}

/**
 * A change (POST, PATCH, …) the database did not confirm within the deadline. Its transaction may
 * still commit after the answer, so the caller is not told to try again: a retry could apply it
 * twice (two XP moves, two lives spent). It is told to read the state back first.
 */
export class WriteUnconfirmedError extends Error {
  override name = "WriteUnconfirmedError";
  constructor(readonly ms: number) {
    super(
      `no answer from the database within ${ms} ms: the change may still be applied; ` +
        "read it back before you try again",
    );
  }
}

/** Whether `error` says the database is down, unreachable or did not answer in time. */
export function isDatabaseOutage(error: unknown): boolean {
  return error instanceof DatabaseTimeoutError || isDatabaseUnavailable(error);
}

/**
 * Answers when the rest of the route has not finished within `ms` (the query goes on, its
 * outcome dropped): a database that accepts connections but never answers costs a caller
 * `ms`, not the client's connect and retry timeouts. A read answers 503 (try again); a change
 * 504 (`WriteUnconfirmedError`: it may still commit, so read it back before trying again).
 * The request's body is read first, on a clock of its own: one that has not arrived within
 * `ms` is 408 and the route never runs (a slow upload is no silent database, and a change it
 * carries is not made after the answer).
 */
export function deadline(ms: number = ROUTE_DEADLINE_MS): MiddlewareHandler {
  return async function withinDeadline(c, next) {
    const read = c.req.method === "GET" || c.req.method === "HEAD";
    if (c.req.raw.body) {
      // kept by Hono for the route's own c.req.text() or .json()
      await within(
        c.req.arrayBuffer(),
        ms,
        () => new HttpError(408, `request body not received within ${ms} ms: nothing was done`),
      );
    }
    await within(
      next(),
      ms,
      () => read ? new DatabaseTimeoutError(ms) : new WriteUnconfirmedError(ms),
    );
  };
}

/**
 * `work`'s outcome if it settles within `ms`, else the error `late` makes (`work` goes on, its
 * outcome dropped). The one timer of `deadline` and of the checks that run before it.
 */
export async function within<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  work.catch(() => {}); // past the deadline nobody is listening
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(late()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The status of the runtime's refusals (an unknown job, a full mailbox, a job given up or
 * stopped, a shutdown): answers, not faults. Shared by the API's handler and the dashboard's.
 */
export function runtimeRefusal(error: unknown): 404 | 409 | 429 | 503 | null {
  if (error instanceof UnknownJobError) return 404;
  if (error instanceof MailboxFullError) return 429;
  if (error instanceof ActorStoppedError) return 409;
  if (error instanceof ShuttingDownError) return 503;
  return null;
}

/**
 * The one error mapper: every failure becomes `{ "error": "…" }` with the right status. A
 * database outage answers 503; anything unexpected 500 `internal error` with a log id (the
 * same id on the log line), never the message, which may name tables, SQL or secrets. A
 * SyntaxError too: a caller's bad JSON is `jsonBody`'s 400, so one here is the code's own.
 */
export function errorHandler(log: Logger) {
  return function onError(error: Error, c: Context) {
    if (error instanceof HttpError) return c.json({ error: error.message }, error.status);
    const refused = runtimeRefusal(error);
    if (refused) return c.json({ error: error.message }, refused);
    if (error instanceof HTTPException) {
      // bearer-auth's answers come whole (JSON body, WWW-Authenticate): pass them on
      if (error.res) return error.getResponse();
      return c.json({ error: error.message }, error.status);
    }
    const logId = crypto.randomUUID().slice(0, 8);
    const where = { method: c.req.method, path: c.req.path, logId };
    if (error instanceof WriteUnconfirmedError) {
      log.warn("change not confirmed in time", { ...where, error });
      return c.json({ error: `${error.message} (log id ${logId})`, logId }, 504);
    }
    if (isDatabaseOutage(error)) {
      log.warn("request failed: database unavailable", { ...where, error });
      c.header("Retry-After", "5");
      return c.json(
        { error: `database unavailable, try again shortly (log id ${logId})`, logId },
        503,
      );
    }
    log.error("request failed", { ...where, error });
    return c.json({ error: `internal error (log id ${logId})`, logId }, 500);
  };
}

import type { MiddlewareHandler } from "hono";
import { timingSafeEqual } from "node:crypto";
import { HttpError } from "./errors.ts";

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/**
 * `Authorization: Bearer <token>`, compared in constant time (both sides hashed to equal
 * length first). Without a configured token the routes are closed: 403, saying why.
 */
export function bearerAuth(token: string | undefined): MiddlewareHandler {
  const expected = token ? digest(token) : undefined;
  return async function requireAdmin(c, next) {
    if (!expected) {
      throw new HttpError(403, "admin routes are disabled: set ADMIN_TOKEN to use them");
    }
    const header = c.req.header("authorization");
    if (!header) {
      c.header("WWW-Authenticate", 'Bearer realm="warden"');
      throw new HttpError(401, "missing Authorization header: expected Bearer <ADMIN_TOKEN>");
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const ok = match !== null && timingSafeEqual(await digest(match[1]), await expected);
    if (!ok) {
      c.header("WWW-Authenticate", 'Bearer realm="warden", error="invalid_token"');
      throw new HttpError(
        401,
        "invalid token: the Authorization bearer token does not match ADMIN_TOKEN",
      );
    }
    await next();
  };
}

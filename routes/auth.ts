import type { MiddlewareHandler } from "hono";
import { bearerAuth as honoBearerAuth } from "hono/bearer-auth";
import { HttpError } from "./errors.ts";

/** What a Bearer token may hold (RFC 6750 b64token); `ADMIN_TOKEN` is checked against it. */
export const BEARER_TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;

const CHALLENGE = 'Bearer realm="warden"';

/**
 * `Authorization: Bearer <token>` through Hono's `bearer-auth`: compared in constant time
 * (both sides hashed, then every character), answers JSON `{ "error": … }` with a
 * `WWW-Authenticate` challenge. Without a configured token the routes are closed: 403, saying
 * why. Attach it to each route that needs it, not to a mount point.
 */
export function bearerAuth(token: string | undefined): MiddlewareHandler {
  if (!token) {
    return function adminDisabled() {
      throw new HttpError(403, "admin routes are disabled: set ADMIN_TOKEN to use them");
    };
  }
  return honoBearerAuth({
    token,
    realm: "warden",
    noAuthenticationHeader: {
      wwwAuthenticateHeader: CHALLENGE,
      message: { error: "missing Authorization header: expected Bearer <ADMIN_TOKEN>" },
    },
    invalidAuthenticationHeader: {
      wwwAuthenticateHeader: `${CHALLENGE}, error="invalid_request"`,
      message: {
        error: "malformed Authorization header: expected Bearer <ADMIN_TOKEN>, one token, " +
          "letters, digits and . _ ~ + / - only",
      },
    },
    invalidToken: {
      wwwAuthenticateHeader: `${CHALLENGE}, error="invalid_token"`,
      message: {
        error: "invalid token: the Authorization bearer token does not match ADMIN_TOKEN",
      },
    },
  });
}

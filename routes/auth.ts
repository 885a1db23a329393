import type { Context, MiddlewareHandler } from "hono";
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
      message: (c) => ({ error: `malformed Authorization header: ${malformed(c)}` }),
    },
    invalidToken: {
      wwwAuthenticateHeader: `${CHALLENGE}, error="invalid_token"`,
      message: {
        error: "invalid token: the Authorization bearer token does not match ADMIN_TOKEN",
      },
    },
  });
}

/** HTTP authentication schemes (IANA's, and `Token`): a client may well send one of these. */
const SCHEMES = new Set(
  ["basic", "digest", "hoba", "mutual", "negotiate", "ntlm", "oauth", "token", "vapid"]
    .concat(["scram-sha-1", "scram-sha-256", "aws4-hmac-sha256", "privatetoken", "concealed"]),
);

/**
 * What is wrong with an `Authorization` header `bearer-auth` refused as malformed: another
 * scheme (named: it is no secret), none, no token, several, or a character no token has. The
 * token itself is never shown: a header with no scheme may be the token alone.
 */
function malformed(c: Context): string {
  const header = (c.req.header("authorization") ?? "").trim();
  const [scheme, ...rest] = header.split(/\s+/);
  if (rest.length === 0 && scheme.toLowerCase() !== "bearer") {
    return "no scheme: expected Bearer <ADMIN_TOKEN>";
  }
  if (scheme.toLowerCase() !== "bearer") {
    // named only when it is a scheme's name: another word may be a secret
    const name = SCHEMES.has(scheme.toLowerCase()) ? JSON.stringify(scheme) : "other than Bearer";
    return `scheme ${name}: expected Bearer <ADMIN_TOKEN>`;
  }
  if (rest.length === 0) return "Bearer and no token: expected Bearer <ADMIN_TOKEN>";
  if (rest.length > 1) return `${rest.length} tokens after Bearer: expected one, <ADMIN_TOKEN>`;
  if (!/^\S+ +\S/.test(header)) return "expected spaces between Bearer and the token";
  return "the token holds a character other than letters, digits and . _ ~ + / - (and = at its end)";
}

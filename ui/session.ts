/**
 * The dashboard's sign-in: `ADMIN_TOKEN` in a form → a session cookie (HttpOnly,
 * SameSite=Strict, signed, with an expiry), and a CSRF token bound to that session that every
 * state-changing form carries. The signing key is derived from `ADMIN_TOKEN`, so every replica
 * accepts the same cookie and changing the token signs everyone out.
 */
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";

export const SESSION_COOKIE = "warden_session";
export const CSRF_FIELD = "_csrf";

export interface Session {
  /** The session's random nonce: what a sign-out revokes (`session_revocations.ts`). */
  id: string;
  /** Bound to the session: forms carry it, actions check it. */
  csrf: string;
  expiresAt: Date;
  /** Who signed in, as they gave it (the ledger's author of their XP changes); "" if not given. */
  name: string;
}

const encoder = new TextEncoder();

function base64url(bytes: ArrayBuffer | Uint8Array): string {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): string {
  const b = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder().decode(Uint8Array.from(b, (ch) => ch.charCodeAt(0)));
}

/**
 * Who signs in, as the ledger shows it: letters (with their combining marks: the vowel signs of
 * अनिल, a decomposed é), digits, spaces and . _ - @, at most 40 characters (code points, marks
 * included). Test it on `operatorName(raw)`, which normalises first.
 */
export const OPERATOR_NAME = /^(?:[\p{L}\p{N}]\p{M}*|[ ._@-]){0,40}$/u;

/** The name as given, trimmed and in NFC (a decomposed é as one character); null if refused. */
export function operatorName(raw: string): string | null {
  const name = raw.normalize("NFC").trim();
  return OPERATOR_NAME.test(name) && [...name].length <= 40 ? name : null;
}

/** Constant time for equal lengths; the lengths of a MAC are public. */
export function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export interface Sessions {
  /** True when `token` is `ADMIN_TOKEN` (compared through MACs, in constant time). */
  tokenMatches(token: string): Promise<boolean>;
  /** A new session's cookie value and the session; `name` is who signs in (may be ""). */
  issue(now: Date, name: string): Promise<{ cookie: string; session: Session }>;
  /**
   * The session a cookie value stands for, or null (forged, expired, malformed). Whether it was
   * signed out is the database's to say (`isRevoked`), not this pure check's.
   */
  read(cookie: string | undefined, now: Date): Promise<Session | null>;
}

export function sessions(adminToken: string, hours: number): Sessions {
  const key = crypto.subtle.importKey(
    "raw",
    encoder.encode(`warden-dashboard-session:${adminToken}`),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = async (text: string) =>
    base64url(await crypto.subtle.sign("HMAC", await key, encoder.encode(text)));
  const tokenMac = mac(`token:${adminToken}`);
  const session = async (nonce: string, expiresMs: number, name: string): Promise<Session> => ({
    id: nonce,
    csrf: await mac(`csrf:${nonce}`),
    expiresAt: new Date(expiresMs),
    name,
  });
  return {
    async tokenMatches(token) {
      return sameText(await mac(`token:${token}`), await tokenMac);
    },
    async issue(now, name) {
      const nonce = base64url(crypto.getRandomValues(new Uint8Array(18)));
      const expires = now.getTime() + hours * 3_600_000;
      const body = `${expires}.${nonce}.${base64url(encoder.encode(name))}`;
      return {
        cookie: `${body}.${await mac(`session:${body}`)}`,
        session: await session(nonce, expires, name),
      };
    },
    async read(cookie, now) {
      const m = /^(\d{13,15})\.([\w-]{24})\.([\w-]{0,220})\.([\w-]{43})$/.exec(cookie ?? "");
      if (!m) return null;
      const [, expires, nonce, name, sig] = m;
      if (!sameText(sig, await mac(`session:${expires}.${nonce}.${name}`))) return null;
      if (Number(expires) <= now.getTime()) return null;
      return await session(nonce, Number(expires), fromBase64url(name));
    },
  };
}

/**
 * Sets the session cookie for `maxAgeS` seconds (0 clears it); `Secure` when the request came
 * over https (directly or via a proxy). The expiry inside the signed value is what the server
 * trusts; the cookie's own age only lets the browser forget it.
 */
export function setSessionCookie(c: Context, value: string, maxAgeS: number) {
  const https = new URL(c.req.url).protocol === "https:" ||
    c.req.header("x-forwarded-proto")?.split(",")[0].trim() === "https";
  setCookie(c, SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: "Strict",
    secure: https,
    path: "/",
    maxAge: maxAgeS,
  });
}

export function sessionCookie(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}

const HERE = "http://warden.invalid";

/**
 * Where to go after signing in or acting: a path of this site only (never `//host`, `/\host`
 * or a URL), its query kept (`before=…~<uuid>`, `q=Ana+Garc%C3%ADa`), no control characters;
 * as the URL parser writes it, so the `Location` header carries nothing else.
 */
export function safeNext(next: string | undefined): string {
  // deno-lint-ignore no-control-regex
  if (!next || !/^\/(?![/\\])/.test(next) || /[\u0000-\u001f\u007f\\]/.test(next)) return "/";
  try {
    const url = new URL(next, HERE);
    return url.origin === HERE ? url.pathname + url.search : "/";
  } catch {
    return "/";
  }
}

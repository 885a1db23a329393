import type { Context } from "hono";
import { HttpError } from "./errors.ts";
import { jsonReadProblem, shown } from "./json_exact.ts";

/**
 * Why the request's body is not declared JSON, for a 415 (undefined when it is): the media type
 * must be `application/json`, in any case, a charset or other parameter may follow; and it must
 * come uncompressed (no `Content-Encoding` but `identity`: none is undone here, so a gzip body
 * would be read as bytes, and a plain one declared gzip as other than declared).
 */
export function notJsonProblem(c: Context): string | undefined {
  const type = c.req.header("content-type");
  const media = type?.split(";")[0].trim().toLowerCase();
  if (media !== "application/json") {
    return `Content-Type must be application/json, got ${type ? JSON.stringify(type) : "none"}`;
  }
  const encoding = c.req.header("content-encoding");
  if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") {
    return `Content-Encoding must be none (identity), got ${
      JSON.stringify(encoding)
    }: send the JSON uncompressed`;
  }
}

/**
 * The request's JSON body, parsed: 415 when it is not declared `application/json`
 * (`notJsonProblem`), 400 when it is empty, not UTF-8, not valid JSON or would be read otherwise
 * than sent (`jsonReadProblem`: a key twice, half a surrogate pair, a number past a double's
 * precision), naming what came. What the value must look like is each route's to check. The
 * Telegram webhook reads its own body (an update it cannot read is acknowledged, not refused),
 * after the same 415 check.
 */
export async function jsonBody(c: Context): Promise<unknown> {
  const problem = notJsonProblem(c);
  if (problem) throw new HttpError(415, problem);
  const text = utf8(new Uint8Array(await c.req.arrayBuffer()));
  if (text.trim() === "") throw new HttpError(400, "bad JSON body: it is empty, expected JSON");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `bad JSON body: ${(error as Error).message}`);
  }
  const misread = jsonReadProblem(text);
  if (misread) throw new HttpError(400, `bad JSON body: ${misread}`);
  return value;
}

const strict = new TextDecoder("utf-8", { fatal: true }); // a leading BOM is dropped

/**
 * `bytes` as UTF-8 (JSON's one encoding, whatever a charset says), or 400 naming the first byte
 * that is not: a lenient decoder would store U+FFFD in its place.
 */
function utf8(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    throw new HttpError(
      400,
      `bad JSON body: not UTF-8 text, from byte ${firstBadByte(bytes)}: JSON is sent as UTF-8`,
    );
  }
}

/** The offset of the first byte of `bytes` that does not begin a whole UTF-8 character. */
function firstBadByte(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const [more, low, high] = sequence(bytes[i]);
    if (more < 0) return i;
    for (let k = 1; k <= more; k++) {
      const next = bytes[i + k] ?? -1; // the second byte's range keeps out overlongs and surrogates
      if (next < (k === 1 ? low : 0x80) || next > (k === 1 ? high : 0xbf)) return i;
    }
    i += more + 1;
  }
  return bytes.length;
}

/** After UTF-8 lead byte `lead`: how many bytes follow (-1: no lead), the second's range. */
function sequence(lead: number): [number, number, number] {
  if (lead < 0x80) return [0, 0, 0];
  if (lead >= 0xc2 && lead <= 0xdf) return [1, 0x80, 0xbf];
  if (lead === 0xe0) return [2, 0xa0, 0xbf];
  if (lead === 0xed) return [2, 0x80, 0x9f];
  if (lead >= 0xe1 && lead <= 0xef) return [2, 0x80, 0xbf];
  if (lead === 0xf0) return [3, 0x90, 0xbf];
  if (lead >= 0xf1 && lead <= 0xf3) return [3, 0x80, 0xbf];
  if (lead === 0xf4) return [3, 0x80, 0x8f];
  return [-1, 0, 0];
}

/**
 * The keys of `body` outside `known`, as one problem naming the first five, each cut at 60
 * characters (a body may send thousands, or one of 100,000: the answer stays small), or
 * undefined when there are none.
 *
 * ```ts
 * unknownFields({ amount: 5, author: "eve" }, ["amount", "reason"]);
 * // "author: unknown field, expected only amount and reason"
 * ```
 */
export function unknownFields(body: object, known: string[]): string | undefined {
  const extra = Object.keys(body).filter((k) => !known.includes(k));
  if (extra.length === 0) return undefined;
  const more = extra.length > 5 ? ` and ${extra.length - 5} more` : "";
  const only = known.length > 1 ? `${known.slice(0, -1).join(", ")} and ${known.at(-1)}` : known[0];
  return `${extra.slice(0, 5).map(shown).join(", ")}${more}: unknown field${
    extra.length > 1 ? "s" : ""
  }, ` +
    `expected only ${only}`;
}

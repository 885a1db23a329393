import type { Context } from "hono";
import { HttpError } from "./errors.ts";

/**
 * Why the request's body is not declared JSON, for a 415 (undefined when it is): the media type
 * must be `application/json`, in any case, a charset or other parameter may follow.
 */
export function notJsonProblem(c: Context): string | undefined {
  const type = c.req.header("content-type");
  const media = type?.split(";")[0].trim().toLowerCase();
  if (media === "application/json") return undefined;
  return `Content-Type must be application/json, got ${type ? JSON.stringify(type) : "none"}`;
}

/**
 * The request's JSON body, parsed: 415 when it is not declared `application/json`
 * (`notJsonProblem`), 400 when it is empty or not valid JSON, naming what came. What the value
 * must look like is each route's to check. The Telegram webhook reads its own body (an update it
 * cannot read is acknowledged, not refused), after the same 415 check.
 */
export async function jsonBody(c: Context): Promise<unknown> {
  const problem = notJsonProblem(c);
  if (problem) throw new HttpError(415, problem);
  const text = await c.req.text();
  if (text.trim() === "") throw new HttpError(400, "bad JSON body: it is empty, expected JSON");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `bad JSON body: ${(error as Error).message}`);
  }
}

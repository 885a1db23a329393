import type { Context } from "hono";
import { HttpError } from "./errors.ts";

/**
 * The request's JSON body, parsed: 415 when it is not declared `application/json` (a charset or
 * other parameter may follow, in any case), 400 when it is empty or not valid JSON, naming what
 * came. What the value must look like is each route's to check. The Telegram webhook reads its
 * own body: Telegram's updates are never refused.
 */
export async function jsonBody(c: Context): Promise<unknown> {
  const type = c.req.header("content-type");
  const media = type?.split(";")[0].trim().toLowerCase();
  if (media !== "application/json") {
    throw new HttpError(
      415,
      `Content-Type must be application/json, got ${type ? JSON.stringify(type) : "none"}`,
    );
  }
  const text = await c.req.text();
  if (text.trim() === "") throw new HttpError(400, "bad JSON body: it is empty, expected JSON");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `bad JSON body: ${(error as Error).message}`);
  }
}

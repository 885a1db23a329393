import { createHash, timingSafeEqual } from "node:crypto";
import type { Bot } from "grammy";
import { Hono } from "hono";
import type { Logger } from "../actors/log.ts";
import { payOnly } from "../bot/plain_pay.ts";
import { readUpdate } from "../bot/update_shape.ts";
import { notJsonProblem } from "./json_body.ts";

export interface WebhookDeps {
  bot: Bot;
  /** TELEGRAM_WEBHOOK_SECRET; without it every update is refused. */
  secretToken?: string;
  log: Logger;
  /** How long an update waits for the bot's first `getMe` before 503 (default 5 s). */
  initTimeoutMs?: number;
}

/**
 * grammY's `init` retries `getMe` for as long as the Bot API fails or cannot be reached; an
 * update waits this long for it, then answers 503 and Telegram delivers it again later.
 */
const INIT_TIMEOUT_MS = 5_000;

const SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token";
/** SHA-256, synchronously: on every update, so no promise round trip (≈7 µs, not ≈200). */
const sha256 = (s: string) => createHash("sha256").update(s).digest();
/** The last secret's digest, so it is not hashed again on every update. */
let secretDigest: { secret: string; digest: Uint8Array } | undefined;

/**
 * Whether the header carries the secret, compared in constant time: both are hashed to the
 * same length first, so neither the place of a difference nor the length leaks. No secret,
 * no match.
 */
export function secretMatches(
  header: string | undefined,
  secret: string | undefined,
): Promise<boolean> {
  if (!secret || header === undefined) return Promise.resolve(false);
  if (secretDigest?.secret !== secret) secretDigest = { secret, digest: sha256(secret) };
  return Promise.resolve(timingSafeEqual(sha256(header), secretDigest.digest));
}

/**
 * `POST /telegram/webhook`: the secret header checked (401 JSON otherwise), then the body's
 * Content-Type (415 JSON unless `application/json`, as Telegram always sends: checked after the
 * secret, so a caller without it learns nothing more), then the update handled. Telegram hears
 * 200 unless the update could not be recorded (the database unreachable: 503, and it
 * redelivers); a failed reply or an update the bot cannot read is logged and acknowledged, so it
 * is never redelivered forever.
 */
export function telegramRoutes({ bot, secretToken, log, initTimeoutMs }: WebhookDeps) {
  return new Hono().post("/webhook", async function webhook(c) {
    if (!(await secretMatches(c.req.header(SECRET_HEADER), secretToken))) {
      return c.json({
        error: secretToken
          ? `wrong or missing ${SECRET_HEADER} header`
          : "no TELEGRAM_WEBHOOK_SECRET is set: the webhook refuses every update",
      }, 401);
    }
    const notJson = notJsonProblem(c);
    if (notJson) return c.json({ error: notJson }, 415);
    const body: unknown = await c.req.json().catch(() => undefined);
    const read = readUpdate(body);
    const updateId = (body as { update_id?: unknown } | undefined)?.update_id;
    if (!read.ok) {
      log.warn("unreadable update acknowledged", { update: updateId, problem: read.problem });
      return c.body(null, 200);
    }
    try {
      // getMe once (concurrent calls share it), bounded: see INIT_TIMEOUT_MS. Only until it
      // answered: no timer on the path of every update after that.
      if (!bot.isInited()) {
        // (grammY's npm build types its signal as the abort-controller package's; it is the same)
        const within = AbortSignal.timeout(initTimeoutMs ?? INIT_TIMEOUT_MS);
        await bot.init(within as unknown as Parameters<Bot["init"]>[0]);
      }
    } catch (error) {
      log.warn("cannot reach the Bot API for getMe: update left for redelivery", { error });
      return c.json({ error: "the bot is not ready: Telegram will redeliver" }, 503);
    }
    try {
      await (payOnly(bot, read.update) ?? bot.handleUpdate(read.update));
    } catch (error) {
      // grammY's error classes: loaded here, not with the routes (the bot has loaded grammY).
      const { classifyUpdateError } = await import("../bot/update_errors.ts");
      const failure = classifyUpdateError(error);
      const cause = error instanceof Error && "error" in error ? error.error : error;
      if (failure === "record") {
        log.error("update not recorded: left for redelivery", { update: updateId, error: cause });
        return c.json({ error: "the update could not be recorded: Telegram will redeliver" }, 503);
      }
      if (failure === "reply") {
        log.warn("reply failed; update acknowledged", { update: updateId, error: cause });
      } else {
        log.error("update failed; acknowledged", { update: updateId, error: cause });
      }
    }
    return c.body(null, 200);
  });
}

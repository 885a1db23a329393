import { z } from "zod";
import type { Context } from "grammy";

/** An update as the Bot API sends it. */
export type Update = Context["update"];

const id = z.number().int().refine(Number.isSafeInteger, "expected a safe integer");
const user = z.looseObject({ id, is_bot: z.boolean(), first_name: z.string() });
const entity = z.looseObject({
  type: z.string(),
  offset: z.number().int().nonnegative(),
  length: z.number().int().nonnegative(),
  user: user.optional(),
});
/** The parts of a message the bot reads: checked when present, the rest passes as it is. */
const message = z.looseObject({
  message_id: id,
  date: z.number().int().nonnegative().max(253_402_300_799, "expected a date before year 10000"),
  chat: z.looseObject({ id, type: z.enum(["private", "group", "supergroup", "channel"]) }),
  from: user.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  entities: z.array(entity).optional(),
  caption_entities: z.array(entity).optional(),
  reply_to_message: z.looseObject({ from: user.optional() }).optional(),
});
const MESSAGE_KINDS = [
  "message",
  "edited_message",
  "channel_post",
  "edited_channel_post",
  "business_message",
  "edited_business_message",
] as const;
const update = z.looseObject({
  update_id: id.nonnegative(),
  ...Object.fromEntries(MESSAGE_KINDS.map((k) => [k, message.optional()])),
}).refine(
  (u) => MESSAGE_KINDS.filter((k) => u[k] !== undefined).length <= 1,
  "expected at most one message kind in an update",
);

/**
 * Reads a webhook body as an update, or says why the bot cannot: the message parts it reads are
 * checked; update types it does not know pass untouched (no handler matches them).
 *
 * @example readUpdate({ update_id: 1 }) // { ok: true, update: { update_id: 1 } }
 */
export function readUpdate(
  body: unknown,
): { ok: true; update: Update } | { ok: false; problem: string } {
  const parsed = update.safeParse(body);
  if (parsed.success) return { ok: true, update: parsed.data as unknown as Update };
  const first = parsed.error.issues[0];
  return {
    ok: false,
    problem: `${first.path.join(".") || "update"}: ${first.message}`,
  };
}

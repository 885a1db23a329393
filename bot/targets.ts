/**
 * Whom a command is about, as Telegram's message says: the member a message really replies to,
 * and the member a command's arguments name (`@username` or a text mention). Shared by the
 * admin tools (admin.ts) and the member commands (commands.ts).
 */
import type { Context } from "grammy";
export { repliedMember } from "../domain/xp_rules.ts";

type Message = NonNullable<Context["msg"]>;
type User = NonNullable<Message["from"]>;

/** Whom a command names: `@username`, or a text mention's user (a member without a username). */
export type Target = { username: string } | { userId: number; user: User };

/**
 * The member named at the start of a command's arguments (`args`, as grammY's `ctx.match`):
 * `@username`, or a text mention (Telegram's link to a member without a username), and the
 * arguments after it; no target when neither starts them.
 */
export function namedTarget(message: Message, args: string): { target?: Target; rest: string } {
  let rest = args.trimStart();
  const text = message.text ?? message.caption ?? "";
  const at = text.length - rest.length; // where the arguments start, as entities count
  rest = rest.trimEnd();
  const entities = message.entities ?? message.caption_entities ?? [];
  const mention = entities.find((e) => e.type === "text_mention" && e.offset === at);
  const handle = rest.match(/^@(\w{1,64})(?:\s+|$)/);
  if (handle) return { target: { username: handle[1] }, rest: rest.slice(handle[0].length) };
  if (mention?.type === "text_mention") {
    const target = { userId: mention.user.id, user: mention.user };
    return { target, rest: rest.slice(mention.length).trimStart() };
  }
  return { rest };
}

/** Telegram updates as the Bot API sends them, for feeding the bot. */

let nextUpdateId = 1;

export interface Person {
  id: number;
  name: string;
  username?: string;
  bot?: boolean;
  /** Telegram's `language_code` of the user's app, e.g. "es". */
  language?: string;
}

const user = (p: Person) => ({
  id: p.id,
  is_bot: p.bot ?? false,
  first_name: p.name,
  ...(p.username ? { username: p.username } : {}),
  ...(p.language ? { language_code: p.language } : {}),
});

/** A group message; `mentions` become `@username` entities, `replyTo` a reply to that person. */
export function groupMessage(o: {
  chat: number;
  from: Person;
  text: string;
  messageId: number;
  date: Date;
  replyTo?: Person;
  /** With `replyTo`: the id of the message replied to (default: the one before). */
  replyToId?: number;
  title?: string;
}) {
  // As Telegram marks them: a command wherever a word starts with "/" (its @bot part in it, not a
  // mention), @mentions and links elsewhere.
  const entities: Array<Record<string, unknown>> = [];
  const commands = [...o.text.matchAll(/(?<=^|\s)\/\w+(?:@\w+)?/g)];
  for (const m of commands) {
    entities.push({ type: "bot_command", offset: m.index, length: m[0].length });
  }
  const inCommand = (i: number) => commands.some((c) => i > c.index && i < c.index + c[0].length);
  for (const m of o.text.matchAll(/@\w+/g)) {
    if (!inCommand(m.index)) {
      entities.push({ type: "mention", offset: m.index, length: m[0].length });
    }
  }
  for (const m of o.text.matchAll(/https?:\/\/\S+/g)) {
    entities.push({ type: "url", offset: m.index, length: m[0].length });
  }
  entities.sort((a, b) => (a.offset as number) - (b.offset as number));
  return {
    update_id: nextUpdateId++,
    message: {
      message_id: o.messageId,
      date: Math.floor(o.date.getTime() / 1000),
      chat: { id: o.chat, type: "supergroup", title: o.title ?? `Group ${o.chat}` },
      from: user(o.from),
      text: o.text,
      ...(entities.length ? { entities } : {}),
      ...(o.replyTo
        ? {
          reply_to_message: {
            message_id: o.replyToId ?? o.messageId - 1,
            date: Math.floor(o.date.getTime() / 1000) - 60,
            chat: { id: o.chat, type: "supergroup", title: o.title ?? `Group ${o.chat}` },
            from: user(o.replyTo),
            text: "…",
          },
        }
        : {}),
    },
  };
}

/** A private message to the bot (a command, usually). */
export function privateMessage(o: { from: Person; text: string; messageId: number; date: Date }) {
  const command = o.text.startsWith("/")
    ? [{ type: "bot_command", offset: 0, length: o.text.split(/\s/)[0].length }]
    : undefined;
  return {
    update_id: nextUpdateId++,
    message: {
      message_id: o.messageId,
      date: Math.floor(o.date.getTime() / 1000),
      chat: { id: o.from.id, type: "private", first_name: o.from.name },
      from: user(o.from),
      text: o.text,
      ...(command ? { entities: command } : {}),
    },
  };
}

/** A press on an inline button under the bot's message `messageId` in a group. */
export function callbackQuery(
  o: { chat: number; from: Person; messageId: number; data: string; date: Date },
) {
  return {
    update_id: nextUpdateId++,
    callback_query: {
      id: String(nextUpdateId * 7919),
      from: user(o.from),
      chat_instance: `ci${o.chat}`,
      data: o.data,
      message: {
        message_id: o.messageId,
        date: Math.floor(o.date.getTime() / 1000),
        chat: { id: o.chat, type: "supergroup", title: `Group ${o.chat}` },
        from: { id: 999, is_bot: true, first_name: "Warden", username: "warden_test_bot" },
        text: "…",
      },
    },
  };
}

/** A member's reaction on a group message changing from `old` to `now` (emoji lists). */
export function reaction(
  o: { chat: number; from: Person; messageId: number; old: string[]; now: string[]; date: Date },
) {
  const emoji = (list: string[]) => list.map((e) => ({ type: "emoji", emoji: e }));
  return {
    update_id: nextUpdateId++,
    message_reaction: {
      chat: { id: o.chat, type: "supergroup", title: `Group ${o.chat}` },
      message_id: o.messageId,
      user: user(o.from),
      date: Math.floor(o.date.getTime() / 1000),
      old_reaction: emoji(o.old),
      new_reaction: emoji(o.now),
    },
  };
}

import assert from "node:assert/strict";
import { onlyPaysXp } from "../bot/bot.ts";

const BOT = 42;
const group = { id: -100, type: "supergroup" as const, title: "G" };
const from = { id: 7, is_bot: false, first_name: "Ana" };
// deno-lint-ignore no-explicit-any -- message shapes, field by field
const message = (extra: Record<string, unknown>): any => ({
  message_id: 1,
  date: 1_700_000_000,
  chat: group,
  from,
  text: "hello",
  ...extra,
});

Deno.test("onlyPaysXp: plain group messages take the award's short way; everything another handler reads does not", () => {
  assert.equal(onlyPaysXp(message({}), BOT), true);
  assert.equal(onlyPaysXp(message({ text: undefined, caption: "a photo" }), BOT), true);
  assert.equal(
    onlyPaysXp(message({ reply_to_message: { message_id: 0, from: { id: 8 } } }), BOT),
    true,
    "a thank-you to a member is still just XP",
  );
  const cases: Array<[string, Record<string, unknown>]> = [
    ["a command", { text: "/rank", entities: [{ type: "bot_command", offset: 0, length: 5 }] }],
    ["a leading slash without an entity", { text: "/rank" }],
    ["a command in a caption", {
      text: undefined,
      caption: "see /top",
      caption_entities: [{ type: "bot_command", offset: 4, length: 4 }],
    }],
    ["a reply to the bot (a case's argument)", {
      reply_to_message: { message_id: 0, from: { id: BOT, is_bot: true } },
    }],
    ["a group's upgrade", { migrate_to_chat_id: -1001 }],
    ["the supergroup's side of it", { migrate_from_chat_id: -100 }],
    ["no sender", { from: undefined }],
    ["a private chat", { chat: { id: 7, type: "private", first_name: "Ana" } }],
  ];
  for (const [what, extra] of cases) assert.equal(onlyPaysXp(message(extra), BOT), false, what);
});

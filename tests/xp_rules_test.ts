/** The pure XP rules of `domain/xp_rules.ts`: no database. */
import assert from "node:assert/strict";
import {
  awardFor,
  cappedAmount,
  earnsNothing,
  isServiceMessage,
  saysThanks,
  SERVICE_FIELDS,
  THANKS_NEGATIONS,
  THANKS_WORDS,
} from "../domain/xp_rules.ts";
import { prng } from "./fakes/prng.ts";

const XP = { perMessage: 1, perLink: 3, perThanks: 5, maxPerMinute: 10 };

Deno.test("every listed thanks word is a thank-you, alone, capitalised and in a sentence", () => {
  for (const word of Object.values(THANKS_WORDS).flat()) {
    assert.ok(saysThanks(word), word);
    assert.ok(saysThanks(word.toUpperCase()), word.toUpperCase());
    assert.ok(saysThanks(`ok, ${word}!`), `ok, ${word}!`);
  }
  for (const text of ["¡Gracias, amigo!", "Спасибо большое", "спасибо)", "🙏🏽", "thanks🙏"]) {
    assert.ok(saysThanks(text), text);
  }
});

Deno.test("a negated thanks, or a thanks word inside another word, is not a thank-you", () => {
  for (
    const text of [
      "no thanks",
      "No, thanks.",
      "no thank you",
      "nope, thanks",
      "no, gracias",
      "No gracias",
      "нет, спасибо",
      "Нет спасибо",
      "tanks",
      "thanksgiving",
      "graciasss",
      "typo",
      "",
    ]
  ) {
    assert.equal(saysThanks(text), false, text);
  }
  assert.ok(saysThanks("no thanks needed… but thank you anyway"), "a later plain thanks counts");
});

Deno.test("saysThanks reads negations as the whole-prefix pattern did, on 3,000 random texts", () => {
  // The earlier reading: the whole text before each thanks word against one pattern (quadratic
  // in the number of thanks words); the rule it states is the reference.
  const negated = new RegExp(
    `(?:^|[^\\p{L}\\p{N}_])(?:${THANKS_NEGATIONS.join("|")})[\\s,.!:;…-]*$`,
    "iu",
  );
  const thanks = /(?<![\p{L}\p{N}_])(?:thanks|gracias|спасибо)(?![\p{L}\p{N}_])|🙏/giu;
  const reference = (text: string) =>
    [...text.matchAll(thanks)].some((m) => !negated.test(text.slice(0, m.index)));
  const pieces = [
    "no",
    "No",
    "NOPE",
    "nah",
    "нет",
    "НЕ",
    "не",
    "ano",
    "xno",
    "😀no",
    "_",
    "1",
    " ",
    ",",
    "…",
    "-",
    "\u00a0",
    "!",
    "thanks",
    "gracias",
    "Спасибо",
    "🙏",
    "a",
    "😀",
  ];
  const random = prng(7);
  for (let i = 0; i < 3_000; i++) {
    const n = 1 + Math.floor(random() * 8);
    const text = Array.from({ length: n }, () => pieces[Math.floor(random() * pieces.length)])
      .join("");
    assert.equal(saysThanks(text), reference(text), JSON.stringify(text));
  }
});

Deno.test("awardFor: a negated thanks thanks nobody", () => {
  const from = { id: 1, is_bot: false, first_name: "Ana" };
  const replyTo = { from: { id: 2, is_bot: false, first_name: "Ben" } };
  const base = { message_id: 1, date: 0, from, reply_to_message: replyTo };
  assert.deepEqual(awardFor({ ...base, text: "no, gracias" }, XP).thanked, []);
  assert.deepEqual(awardFor({ ...base, text: "gracias" }, XP).thanked, [{ userId: 2 }]);
});

Deno.test("awardFor: a forwarded thank-you is someone else's words: it thanks nobody, and still pays as a message", () => {
  const from = { id: 1, is_bot: false, first_name: "Ana", username: "ana" };
  const forward_origin = { type: "hidden_user", sender_user_name: "Carla", date: 0 };
  const text = "thanks @ben https://example.org";
  const entities = [{ type: "mention", offset: 7, length: 4 }];
  const own = awardFor({ message_id: 1, date: 0, from, text, entities }, XP);
  assert.deepEqual([own.amount, own.thanked], [3, [{ username: "ben" }]]);
  const forwarded = awardFor({ message_id: 2, date: 0, from, text, entities, forward_origin }, XP);
  assert.deepEqual([forwarded.amount, forwarded.thanked], [3, []]);
});

Deno.test("service messages are recognised by their fields", () => {
  for (const field of SERVICE_FIELDS) assert.ok(isServiceMessage({ [field]: {} }), field);
  assert.equal(isServiceMessage({ text: "hi" }), false);
  assert.equal(isServiceMessage({ text: "hi", pinned_message: undefined }), false);
});

Deno.test("the service messages of Bot API 9 are service messages too: ticking a checklist, adding a poll option, a gift, an owner leaving earn nothing", () => {
  const newer = [
    "checklist_tasks_done",
    "checklist_tasks_added",
    "poll_option_added",
    "poll_option_deleted",
    "chat_owner_left",
    "chat_owner_changed",
    "community_chat_added",
    "community_chat_removed",
    "community_chat_joined",
    "managed_bot_created",
    "gift",
    "gift_upgrade_sent",
    "unique_gift",
    "paid_message_price_changed",
    "direct_message_price_changed",
    "connected_website",
    "suggested_post_approved",
    "suggested_post_approval_failed",
    "suggested_post_declined",
    "suggested_post_paid",
    "suggested_post_refunded",
  ];
  const earning = newer.filter((field) =>
    !earnsNothing({
      message_id: 1,
      date: 0,
      from: { id: 1, is_bot: false, first_name: "A" },
      [field]: {},
    })
  );
  assert.deepEqual(earning, [], "service messages that still earn XP");
});

Deno.test("cappedAmount never pays past the cap nor below 0", () => {
  assert.equal(cappedAmount(3, 0, 10), 3);
  assert.equal(cappedAmount(3, 9, 10), 1);
  assert.equal(cappedAmount(5, 10, 10), 0);
  assert.equal(cappedAmount(5, 14, 10), 0);
});

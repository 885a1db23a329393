import assert from "node:assert/strict";
import { syncBadges } from "../domain/badges.ts";
import { syncLevels } from "../domain/levels.ts";
import { testDatabase } from "./db.ts";
import { botApiDouble, type Update } from "./fakes/bot_api.ts";
import { testBot } from "./fakes/bot.ts";
import { groupMessage, type Person } from "./fakes/updates.ts";

const CHAT = -4200;
/** A text with what cannot be seen written as `\u{…}`. */
const esc = (s: string | undefined) =>
  JSON.stringify(s)?.replace(
    /[^\p{L}\p{N}\p{P}\p{S} ]|\u3164/gu,
    (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`,
  );
const NOW = new Date("2026-11-20T12:00:00Z");

/** Names members really pick, each shown as its visible part (or the username, if none). */
const cases: Array<{ person: Person; shown: string }> = [
  // U+3164 (Hangul filler) and a zero-width space: a name nobody sees.
  { person: { id: 1, name: "\u3164\u200b", username: "ghost" }, shown: "👤 ghost (@ghost)" },
  // … and with no username either: the id, as a board names a member without a name (a word
  // like "someone" would be English in every group).
  { person: { id: 6, name: "\u2800\u200b" }, shown: "👤 6" },
  // A right-to-left override left open turns the rest of every line it is in around.
  { person: { id: 2, name: "Eve\u202e" }, shown: "👤 Eve" },
  { person: { id: 3, name: " \u2066Zoë\u200d " }, shown: "👤 Zoë" },
  // What is visible stays as it is: Arabic, emoji, markup.
  { person: { id: 4, name: "محمد 🌙" }, shown: "👤 محمد 🌙" },
  { person: { id: 5, name: "<b>&_*[]" }, shown: "👤 <b>&_*[]" },
];

Deno.test("a member's name is what they show: invisible edges, bidi controls and blank names do not reach the texts", async () => {
  await using db = await testDatabase();
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  await syncBadges(db.sql);
  const api = botApiDouble({ limits: false });
  const bot = testBot(api, db.sql, { now: () => NOW });
  await bot.init();
  let messageId = 0;
  const say = async (from: Person, text: string) => {
    const update = groupMessage({ chat: CHAT, from, text, messageId: ++messageId, date: NOW });
    await bot.handleUpdate(update as unknown as Update);
  };
  const failures: string[] = [];
  for (const { person, shown } of cases) {
    await say(person, "hello everyone");
    const before = api.sent.length;
    await say(person, "/profile");
    const head = api.sent.slice(before).at(-1)?.text.split("\n")[0];
    if (head !== shown) failures.push(`${esc(person.name)}: ${esc(head)}`);
    await say(person, "/badges");
    const badges = api.sent.at(-1)?.text.split("\n")[0] ?? "";
    const name = shown.slice(3).replace(/ \(@\w+\)$/, "");
    if (!badges.startsWith(`🎖 ${name}: `)) {
      failures.push(`${esc(person.name)} /badges: ${esc(badges)}`);
    }
  }
  assert.deepEqual(failures, []);
});

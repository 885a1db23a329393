/**
 * Anonymous group admins: Telegram sends their messages from GroupAnonymousBot with the group
 * itself as `sender_chat`, which only an admin can post as. They may use the admin tools (the
 * ledger and the audit say `telegram:anonymous-admin`), and their messages earn no XP.
 */
import { ABOUT_THE_ASKER } from "../bot/commands.ts";
import assert from "node:assert/strict";
import { adminGroup, ana, GROUP } from "./fakes/admin_group.ts";
import type { Person } from "./fakes/updates.ts";

const anonymous: Person = {
  id: 1087968824,
  name: "Group",
  username: "GroupAnonymousBot",
  bot: true,
};
const asGroup = { sender_chat: { id: GROUP, type: "supergroup", title: "Group -800" } };

Deno.test("an anonymous admin (posting as the group) may use the admin tools; their messages earn no XP", async () => {
  await using g = await adminGroup();
  const before = g.memberChecks();
  assert.equal(
    await g.say(anonymous, "/givexp @ana 50 great", asGroup),
    "✅ Gave 50 XP to Ana: 1,250 XP now.",
  );
  assert.equal(
    await g.say(anonymous, "/takexp @ana 10 oops", asGroup),
    "✅ Took 10 XP from Ana: 1,240 XP now.",
  );
  assert.match(await g.say(anonymous, "/settings", asGroup), /⚙️|Settings/);
  assert.equal(g.memberChecks(), before, "the sender chat proves it: Telegram is not asked");
  const ledger = await g.sql`SELECT author FROM xp_ledger ORDER BY id`;
  assert.deepEqual(ledger.map((r) => r.author), [
    "telegram:anonymous-admin",
    "telegram:anonymous-admin",
  ]);
  const audit = await g.sql`SELECT author FROM admin_actions ORDER BY id`;
  assert.deepEqual(audit.map((r) => r.author), [
    "telegram:anonymous-admin",
    "telegram:anonymous-admin",
  ]);
  assert.equal(await g.xpOf(ana.id), 1240);

  // a channel's post in the group (another sender chat) proves nothing
  const channel = { sender_chat: { id: -1009, type: "channel", title: "News" } };
  const poster: Person = { id: 136817688, name: "Channel", username: "Channel_Bot", bot: true };
  assert.equal(
    await g.say(poster, "/givexp @ana 50 x", channel),
    "⛔ Only this chat's admins can use /givexp.",
  );
  assert.equal(
    await g.say(anonymous, "/resetxp @ana", channel),
    "⛔ Only this chat's admins can use /resetxp.",
  );

  // a plain message as the group pays no one, and makes no member of the bot account
  const sent = g.api.sent.length;
  await g.say(anonymous, "welcome everyone, see https://example.org", asGroup);
  assert.equal(g.api.sent.length, sent, "no answer to a plain message");
  const rows = await g.sql`
    SELECT 1 FROM xp_ledger WHERE user_id = ${anonymous.id}
    UNION ALL SELECT 1 FROM members WHERE user_id = ${anonymous.id} AND NOT is_bot AND xp > 0`;
  assert.equal(rows.length, 0);
  assert.equal(await g.xpOf(ana.id), 1240);
});

Deno.test("someone posting as the group or a channel asks a personal command: told to ask as themselves, nothing written", async () => {
  await using g = await adminGroup();
  const channel = { sender_chat: { id: -1009, type: "channel", title: "News" } };
  const poster: Person = { id: 136817688, name: "Channel", username: "Channel_Bot", bot: true };
  const told =
    /^👤 You are posting as “(Group -800|News)”: Telegram doesn't tell me who you are\. Send \/\w+ from your own account\.$/;
  // every command of the menu (ABOUT_THE_ASKER has one key per command); which ones are about
  // the asker is written out here, not read from the code under test, so a flag flipped there
  // (/lives answering with the shared account's lives) fails
  const aboutTheAsker = new Set([
    "hide",
    "show",
    "profile",
    "badges",
    "streak",
    "lives",
    "propose",
  ]);
  for (const name of Object.keys(ABOUT_THE_ASKER)) {
    const command = `/${name}`;
    const check = aboutTheAsker.has(name) ? assert.match : assert.doesNotMatch;
    check(await g.say(anonymous, command, asGroup), told, command);
    check(await g.say(poster, command, channel), told, command);
  }
  const rows = await g.sql`
    SELECT 1 FROM members WHERE user_id IN (${anonymous.id}, ${poster.id})`;
  assert.equal(rows.length, 0, "no member made of the accounts Telegram posts these with");
  // about someone else, it works: the profile named is Ana's
  assert.match(await g.say(anonymous, "/profile @ana", asGroup), /Ana/);
  await g.sql`UPDATE chats SET language = 'es' WHERE chat_id = ${GROUP}`;
  assert.equal(
    await g.say(anonymous, "/Streak", asGroup),
    "👤 Estás publicando como «Group -800»: Telegram no me dice quién eres. Envía /streak desde tu propia cuenta.",
  );
});

import assert from "node:assert/strict";
import type { Update } from "./fakes/bot_api.ts";
import { createLogger } from "../actors/log.ts";
import { createBot } from "../bot/bot.ts";
import { syncLevels } from "../domain/levels.ts";
import { testDatabase, type TestDb } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { groupMessage, type Person, privateMessage } from "./fakes/updates.ts";

const XP = { perMessage: 1, perLink: 3, perThanks: 5, maxPerMinute: 10 };
const CHAT = -1001;
const ana: Person = { id: 1, name: "Ana", username: "ana" };
const ben: Person = { id: 2, name: "Ben", username: "ben" };
const cai: Person = { id: 3, name: "Cai", username: "cai" };
const dee: Person = { id: 4, name: "Dee", username: "dee" };
const eve: Person = { id: 5, name: "Eve", username: "eve" };
const helper: Person = { id: 77, name: "Helper", username: "helper_bot", bot: true };
const T0 = new Date("2026-06-01T10:00:00Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

async function world(db: TestDb) {
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  const api = botApiDouble({ limits: false });
  /** A fresh bot, as after a restart: everything it knows is in the database. */
  const start = async () => {
    const bot = createBot({
      token: "123456:TEST",
      apiRoot: api.apiRoot,
      sql: db.sql,
      log: createLogger({ level: "silent" }),
      xp: XP,
      adminUserIds: [ana.id],
      runtime: () => undefined,
      now: () => T0, // the messages' own day: /streak and /lives answer as of it
    });
    await bot.init();
    return bot;
  };
  let messageId = 100;
  const say = async (
    bot: Awaited<ReturnType<typeof start>>,
    from: Person,
    text: string,
    when: Date,
    replyTo?: Person,
  ) => {
    const update = groupMessage({
      chat: CHAT,
      from,
      text,
      messageId: ++messageId,
      date: when,
      replyTo,
      title: "Book club",
    });
    await bot.handleUpdate(update as unknown as Update);
    return update;
  };
  const xp = async () =>
    Object.fromEntries(
      (await db.sql<
        { user_id: number; xp: number }[]
      >`SELECT user_id, xp FROM members WHERE chat_id = ${CHAT}`)
        .map((m) => [m.user_id, m.xp]),
    );
  return { api, start, say, xp };
}

Deno.test("XP from chat: messages, links, thanks (self, bots, four people, the pair cooldown)", async (t) => {
  await using db = await testDatabase();
  const w = await world(db);
  await using _api = w.api;
  const bot = await w.start();
  // Everyone speaks once, far apart, so the per-minute cap plays no part here.
  for (const [i, p] of [ana, ben, cai, dee, eve].entries()) {
    await w.say(bot, p, "hello", at(i * 120));
  }

  await t.step("a message is worth 1, a link 3", async () => {
    assert.deepEqual(await w.xp(), { 1: 1, 2: 1, 3: 1, 4: 1, 5: 1 });
    await w.say(bot, ana, "read this https://example.org/book", at(1_000));
    assert.equal((await w.xp())[1], 4);
    const [m] = await db.sql`SELECT messages_count, links_shared FROM members WHERE user_id = 1`;
    assert.deepEqual([m.messages_count, m.links_shared], [2, 1]);
  });
  await t.step("thanks by reply gives 5 to the one thanked", async () => {
    await w.say(bot, ben, "thanks!", at(1_200), ana);
    assert.equal((await w.xp())[1], 9);
    assert.equal((await w.xp())[2], 2, "the thanker gets the message XP only");
  });
  await t.step("thanking oneself or a bot gives nothing", async () => {
    await w.say(bot, cai, "thank you", at(1_400), cai);
    await w.say(bot, cai, "thanks @helper_bot", at(1_600));
    await w.say(bot, cai, "thx", at(1_800), helper);
    assert.equal((await w.xp())[3], 4, "three plain messages");
    assert.equal(
      (await db.sql`SELECT count(*)::int AS n FROM xp_ledger WHERE user_id = 77`)[0].n,
      0,
    );
    assert.equal(
      (await db
        .sql`SELECT count(*)::int AS n FROM xp_ledger WHERE reason = 'thanks' AND user_id = 3`)[0]
        .n,
      0,
    );
  });
  await t.step("four people thanked: three are paid", async () => {
    const before = await w.xp();
    await w.say(bot, ana, "thanks @ben @cai @dee @eve", at(2_000));
    const after = await w.xp();
    const paid = [2, 3, 4, 5].filter((id) => after[id] - before[id] === 5);
    assert.equal(paid.length, 3);
    assert.equal(
      after[2] + after[3] + after[4] + after[5] - (before[2] + before[3] + before[4] + before[5]),
      15,
    );
  });
  await t.step(
    "the same pair again within the cooldown gives nothing; after it, again 5",
    async () => {
      const before = (await w.xp())[1];
      await w.say(bot, ben, "thanks again", at(1_500), ana); // 5 min after the first thanks: within 10 min
      assert.equal((await w.xp())[1], before);
      await w.say(bot, ben, "thanks once more", at(1_200 + 601), ana); // the first thanks was at 1_200 s: now past 10 min
      assert.equal((await w.xp())[1], before + 5);
      const [m] = await db.sql`SELECT thanks_received FROM members WHERE user_id = 1`;
      assert.equal(m.thanks_received, 2);
    },
  );
});

Deno.test("XP is capped at 10 per member per rolling minute; a redelivered update pays nothing, even after a restart", async () => {
  await using db = await testDatabase();
  const w = await world(db);
  await using _api = w.api;
  let bot = await w.start();
  const sent = [];
  for (let i = 0; i < 5; i++) {
    sent.push(await w.say(bot, ana, `https://example.org/${i}`, at(i * 5))); // 5 × 3 XP in 25 s
  }
  assert.equal((await w.xp())[1], 10, "capped at 10 within the minute");
  await w.say(bot, ana, "https://example.org/late", at(61)); // the first message left the window: room for 3
  assert.equal((await w.xp())[1], 13);

  await bot.handleUpdate(sent[0] as unknown as Update);
  assert.equal((await w.xp())[1], 13, "redelivered: paid once");
  bot = await w.start(); // a restart: a new bot, nothing in memory
  await bot.handleUpdate(sent[1] as unknown as Update);
  assert.equal((await w.xp())[1], 13, "redelivered after a restart: still paid once");
  await w.say(bot, ana, "https://example.org/more", at(62));
  assert.equal((await w.xp())[1], 13, "the cap survives the restart: the window still holds 10");
  const [m] = await db.sql`SELECT messages_count FROM members WHERE user_id = 1`;
  assert.equal(m.messages_count, 7);
  const [ledger] = await db.sql`SELECT count(*)::int AS n FROM xp_ledger WHERE user_id = 1`;
  assert.equal(ledger.n, 7, "one ledger row per message");
});

Deno.test("member commands answer from the database; admin commands refuse others politely", async () => {
  await using db = await testDatabase();
  const w = await world(db);
  await using _api = w.api;
  const bot = await w.start();
  await w.say(bot, ben, "https://example.org", at(0));
  await bot.handleUpdate(
    privateMessage({ from: ben, text: "/start", messageId: 1, date: at(1) }) as unknown as Update,
  );
  assert.equal(
    (await db.sql`SELECT started_bot FROM members WHERE user_id = 2`)[0].started_bot,
    true,
  );
  await w.say(bot, ben, "/profile", at(2));
  const profile = w.api.sent.at(-1)!.text;
  assert.match(profile, /👤 Ben \(@ben\)/);
  assert.match(profile, /Level 1 — Newcomer I · 3 XP/);
  assert.match(profile, /97 XP to level 2/);
  await w.say(bot, ana, "/profile @ben", at(3));
  assert.match(w.api.sent.at(-1)!.text, /👤 Ben/);
  // as a phone keyboard capitalises it: answered, and paid nothing as a message
  const xpBefore = (await w.xp())[ben.id];
  await w.say(bot, ben, "/Profile", at(3.5));
  assert.match(w.api.sent.at(-1)!.text, /👤 Ben \(@ben\)/);
  assert.equal((await w.xp())[ben.id], xpBefore);
  await w.say(bot, ben, "/streak", at(4));
  assert.match(w.api.sent.at(-1)!.text, /🔥 1 day in a row \(best 1\)\./);
  await w.say(bot, ben, "/lives", at(5));
  assert.match(w.api.sent.at(-1)!.text, /❤️ Lives: 5 of 5\./);
  await w.say(bot, ben, "/pause level-ups", at(6));
  assert.equal(
    w.api.sent.at(-1)!.text,
    "⛔ Only Warden's operators can use /pause.",
  );
  await w.say(bot, ana, "/jobs", at(7));
  assert.equal(w.api.sent.at(-1)!.text, "No jobs run in this process.");
});

Deno.test("days active count the UTC days with a paid message, once a day", async () => {
  await using db = await testDatabase();
  const w = await world(db);
  await using _api = w.api;
  const bot = await w.start();
  await w.say(bot, dee, "morning", at(0));
  await w.say(bot, dee, "again", at(600));
  await w.say(bot, dee, "next day", at(86_400));
  const [m] = await db.sql`SELECT days_active FROM members WHERE user_id = 4`;
  assert.equal(m.days_active, 2);
});

Deno.test("a member's language follows the language_code of their messages; a message without one keeps it", async () => {
  await using db = await testDatabase();
  const w = await world(db);
  await using _api = w.api;
  const bot = await w.start();
  const language = async () =>
    (await db.sql`SELECT language_code FROM members WHERE user_id = 4`)[0].language_code;
  await w.say(bot, { ...dee, language: "es-AR" }, "hola", at(0));
  assert.equal(await language(), "es-AR");
  await w.say(bot, dee, "sin idioma", at(60));
  assert.equal(await language(), "es-AR", "an update without language_code changes nothing");
  await w.say(bot, { ...dee, language: "en" }, "hello", at(120));
  assert.equal(await language(), "en");
});

Deno.test("a command pays nothing, whichever bot it is for; a command named inside a sentence is still chat", async () => {
  await using db = await testDatabase();
  const w = await world(db);
  await using _api = w.api;
  const bot = await w.start();
  await w.say(bot, dee, "hello", at(0));
  await w.say(bot, dee, "/profile@OtherBot", at(10)); // another bot's command, in a group with both
  await w.say(bot, dee, "/shrug whatever", at(20)); // a command no bot here answers
  await w.say(bot, dee, "/top", at(30)); // Warden's own, answered
  const [m] = await db.sql`SELECT xp, messages_count FROM members WHERE user_id = 4`;
  assert.deepEqual({ xp: m.xp, messages: m.messages_count }, { xp: 1, messages: 1 });
  await w.say(bot, dee, "try /top to see the board", at(40));
  const [after] = await db.sql`SELECT xp FROM members WHERE user_id = 4`;
  assert.equal(after.xp, 2, "a sentence that mentions a command is a message");
});

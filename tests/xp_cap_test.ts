/**
 * The XP rules at the bot's edge, through the real bot's `handleUpdate`: the per-minute cap in
 * any 60-s window of message dates whatever the order and concurrency (thanks included),
 * service messages, the thanks words, and `/start` outside a private chat.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import type { Update } from "./fakes/bot_api.ts";
import { createLogger } from "../actors/log.ts";
import { createBot } from "../bot/bot.ts";
import { syncLevels } from "../domain/levels.ts";
import { testDatabase, type TestDb } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { groupMessage, type Person, privateMessage } from "./fakes/updates.ts";

const XP = { perMessage: 1, perLink: 3, perThanks: 5, maxPerMinute: 10 };
const CHAT = -2002;
const ana: Person = { id: 1, name: "Ana", username: "ana" };
const ben: Person = { id: 2, name: "Ben", username: "ben" };
const cai: Person = { id: 3, name: "Cai", username: "cai" };
const dee: Person = { id: 4, name: "Dee", username: "dee" };
const T0 = new Date("2026-06-01T10:00:00Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

type Msg = ReturnType<typeof groupMessage>;

async function world(db: TestDb, connections = 1) {
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  const api = botApiDouble({ limits: false });
  // On a server, a pool of its own so that awards really run side by side; the embedded
  // database has one connection and serialises them anyway.
  const pool = db.kind === "server" && connections > 1
    ? postgres(db.url, { max: connections, onnotice: () => {} })
    : undefined;
  const bot = createBot({
    token: "123456:TEST",
    apiRoot: api.apiRoot,
    sql: pool ?? db.sql,
    log: createLogger({ level: "silent" }),
    xp: XP,
    adminUserIds: [],
    runtime: () => undefined,
  });
  await bot.init();
  let messageId = 1_000;
  const msg = (from: Person, text: string, when: Date, replyTo?: Person): Msg =>
    groupMessage({ chat: CHAT, from, text, messageId: ++messageId, date: when, replyTo });
  const send = (update: Msg | Record<string, unknown>) =>
    bot.handleUpdate(update as unknown as Update);
  return {
    api,
    bot,
    msg,
    send,
    /** Send in batches of `size`, each batch all at once. */
    async inBatches(updates: Msg[], size: number) {
      for (let i = 0; i < updates.length; i += size) {
        await Promise.all(updates.slice(i, i + size).map(send));
      }
    },
    xp: async (userId: number) =>
      Number(
        (await db.sql`SELECT xp FROM members WHERE chat_id = ${CHAT} AND user_id = ${userId}`)[0]
          ?.xp ?? 0,
      ),
    async [Symbol.asyncDispose]() {
      await pool?.end();
      await api[Symbol.asyncDispose]();
    },
  };
}

/**
 * The fullest 60-s window `(t-60s, t]` of any member, over every ledger row: a window's sum
 * only rises at a row's date, so the windows ending at each row's date are all there is to
 * check. Also checks each balance equals its ledger.
 */
async function fullestWindow(db: TestDb): Promise<{ user_id: number; xp: number }> {
  const [worst] = await db.sql<{ user_id: number; xp: number }[]>`
    SELECT l.user_id, (
      SELECT sum(x.amount) FROM xp_ledger x
      WHERE x.chat_id = l.chat_id AND x.user_id = l.user_id
        AND x.created_at > l.created_at - interval '60 seconds' AND x.created_at <= l.created_at
    )::int AS xp
    FROM xp_ledger l ORDER BY xp DESC, l.user_id LIMIT 1`;
  const mismatched = await db.sql`
    SELECT m.user_id FROM members m
    WHERE m.xp <> (SELECT coalesce(sum(amount), 0) FROM xp_ledger l
                   WHERE l.chat_id = m.chat_id AND l.user_id = m.user_id)`;
  assert.deepEqual([...mismatched], [], "every balance equals the sum of its ledger");
  return worst ?? { user_id: 0, xp: 0 };
}

for (const size of [20, 40]) {
  Deno.test(`200 link messages from one member, ${size} at a time: never more than 10 XP in any 60 s`, async () => {
    await using db = await testDatabase();
    await using w = await world(db, size);
    const updates = Array.from(
      { length: 200 },
      (_, i) => w.msg(ana, `https://example.org/${i}`, at(i * 2)),
    );
    await w.inBatches(updates, size);
    const worst = await fullestWindow(db);
    assert.ok(worst.xp <= 10, `${worst.xp} XP in one minute`);
    const [n] = await db.sql`SELECT count(*)::int AS n, sum(amount)::int AS xp FROM xp_ledger`;
    assert.equal(n.n, 200, "every message paid once (at 0 XP when capped)");
    // What the order of arrival cannot take away: a message pays 0 only when a 60 s window
    // holding it is full, so each 120 s around a message holds some XP; three such spans fit
    // apart in 400 s. (In order it pays about 60; concurrent arrival may pay a little less.)
    assert.ok(n.xp >= 3, `the cap still pays: ${n.xp} XP over 400 s`);
  });
}

Deno.test("newest first: 200 link messages delivered in reverse date order stay within the cap", async () => {
  await using db = await testDatabase();
  await using w = await world(db);
  const updates = Array.from(
    { length: 200 },
    (_, i) => w.msg(ana, `https://example.org/${i}`, at(i * 2)),
  );
  for (const u of updates.reverse()) await w.send(u);
  const worst = await fullestWindow(db);
  assert.ok(worst.xp <= 10, `${worst.xp} XP in one minute`);
  assert.ok(await w.xp(ana.id) <= 10 * Math.ceil(400 / 60) + 10);
});

Deno.test("a late message is capped by the later window too: (d, d+60s) counts, not only (d-60s, d]", async () => {
  await using db = await testDatabase();
  await using w = await world(db);
  await w.send(w.msg(ana, "https://example.org/a", at(30)));
  await w.send(w.msg(ana, "https://example.org/b", at(31)));
  await w.send(w.msg(ana, "https://example.org/c", at(32))); // 9 XP in (−30, 32]
  await w.send(w.msg(ana, "https://example.org/late", at(0))); // arrives late, dated before them
  assert.equal(await w.xp(ana.id), 10, "1 XP left in the window (−30 s, 30 s] + the later rows");
  await w.send(w.msg(ana, "https://example.org/after", at(91))); // (31, 91]: only c's 3 XP
  assert.equal(await w.xp(ana.id), 13);
  assert.ok((await fullestWindow(db)).xp <= 10);
});

Deno.test("thanks count in the receiver's cap, whatever the order and concurrency", async (t) => {
  await t.step("a member at the cap gets 0 for a thanks in the same minute", async () => {
    await using db = await testDatabase();
    await using w = await world(db);
    for (let i = 0; i < 4; i++) await w.send(w.msg(ana, `https://example.org/${i}`, at(i)));
    assert.equal(await w.xp(ana.id), 10);
    await w.send(w.msg(ben, "thanks!", at(10), ana));
    assert.equal(await w.xp(ana.id), 10, "the thanks is capped");
    const [r] = await db.sql`SELECT thanks_received FROM members WHERE user_id = ${ana.id}`;
    assert.equal(r.thanks_received, 1, "the thanks still counts as received");
    await w.send(w.msg(ana, "https://example.org/4", at(59))); // (−1, 59] is full: 0
    await w.send(w.msg(cai, "thank you", at(62), ana)); // (2, 62]: 3 + 1 (+ 0) → 5 of room
    assert.equal(await w.xp(ana.id), 15);
    // Dated before cai's: (1, 61] holds 3 + 1, but the later (2, 62] holds 1 + 5 → 4 of room.
    await w.send(w.msg(dee, "thanks", at(61), ana));
    assert.equal(await w.xp(ana.id), 19);
    assert.ok((await fullestWindow(db)).xp <= 10);
  });
  await t.step("thanks paid first leave only the rest for the member's own messages", async () => {
    await using db = await testDatabase();
    await using w = await world(db);
    await w.send(w.msg(ana, "hi", at(0)));
    await w.send(w.msg(ben, "thanks @ana", at(20)));
    await w.send(w.msg(cai, "thanks @ana", at(21))); // 1 + 5 + 4 (capped)
    assert.equal(await w.xp(ana.id), 10);
    await w.send(w.msg(ana, "https://example.org", at(10))); // late, inside both windows
    assert.equal(await w.xp(ana.id), 10);
    assert.ok((await fullestWindow(db)).xp <= 10);
  });
  for (const size of [20, 40]) {
    await t.step(`links and thanks (mutual ones too), ${size} at a time`, async () => {
      await using db = await testDatabase();
      await using w = await world(db, size);
      // Everyone exists first so thanks by @username resolve.
      for (const p of [ana, ben, cai, dee]) await w.send(w.msg(p, "hello", at(-600)));
      const updates: Msg[] = [];
      const people = [ana, ben, cai, dee];
      for (let i = 0; i < 200; i++) {
        const from = people[i % 4];
        const to = people[(i + 1 + (i % 3)) % 4]; // never the author
        updates.push(
          i % 3 === 0
            ? w.msg(from, `https://example.org/${i}`, at(i))
            : w.msg(from, i % 2 ? `thanks @${to.username}` : "спасибо!", at(i), to),
        );
      }
      await w.inBatches(updates, size);
      const worst = await fullestWindow(db);
      assert.ok(worst.xp <= 10, `user ${worst.user_id}: ${worst.xp} XP in one minute`);
      const [thanks] = await db.sql`
        SELECT count(*)::int AS n FROM xp_ledger WHERE reason = 'thanks' AND amount > 0`;
      assert.ok(thanks.n > 0, "some thanks were paid");
    });
  }
});

Deno.test("a member's name and username follow Telegram; the streak continues day after day", async () => {
  await using db = await testDatabase();
  await using w = await world(db);
  await w.send(w.msg(ana, "hi", at(0)));
  await w.send(w.msg({ ...ana, name: "Ana B", username: "ana_b" }, "hi again", at(86_400)));
  const [m] = await db.sql`SELECT display_name, username FROM members WHERE user_id = ${ana.id}`;
  assert.deepEqual([m.display_name, m.username], ["Ana B", "ana_b"]);
  await w.send(w.msg(ben, "thanks @ana_b", at(86_500)));
  assert.equal(await w.xp(ana.id), 7, "thanked by the new username");
  const [s] = await db.sql`SELECT current, best FROM streaks WHERE user_id = ${ana.id}`;
  assert.deepEqual([s.current, s.best], [2, 2]);
});

Deno.test("service messages pay nothing and are not counted as messages", async () => {
  await using db = await testDatabase();
  await using w = await world(db);
  await w.send(w.msg(ana, "hello", at(0)));
  const service = (fields: Record<string, unknown>, second: number) => {
    const u = w.msg(ana, "", at(second));
    const { text: _text, ...message } = u.message;
    return { ...u, message: { ...message, ...fields } };
  };
  const user = { id: ben.id, is_bot: false, first_name: "Ben" };
  const cases: Record<string, unknown>[] = [
    { new_chat_members: [user] },
    { left_chat_member: user },
    { pinned_message: { message_id: 1, date: 0, chat: { id: CHAT, type: "supergroup" } } },
    { new_chat_title: "Renamed" },
    { group_chat_created: true },
    { migrate_from_chat_id: -42 },
    { new_chat_photo: [] },
  ];
  for (const [i, fields] of cases.entries()) await w.send(service(fields, 100 + i * 100));
  const [m] = await db.sql`SELECT xp, messages_count FROM members WHERE user_id = ${ana.id}`;
  assert.deepEqual([Number(m.xp), m.messages_count], [1, 1]);
  const [n] = await db.sql`SELECT count(*)::int AS n FROM xp_ledger`;
  assert.equal(n.n, 1);
});

Deno.test("thanks: English, Spanish, Russian and 🙏 count; 'no thanks' in any of them does not", async () => {
  await using db = await testDatabase();
  await using w = await world(db);
  await w.send(w.msg(ana, "hi", at(0)));
  const thanks = async (text: string, second: number) => {
    const before = await w.xp(ana.id);
    await w.send(w.msg(ben, text, at(second), ana));
    return (await w.xp(ana.id)) - before;
  };
  // Each thanks is 11 min after the last: the pair's cooldown has passed, the cap window too.
  let s = 0;
  for (const text of ["Thank you!", "¡Muchas gracias!", "спасибо", "Спасибо большое", "🙏", "🙏🏽"]) {
    assert.equal(await thanks(text, s += 660), 5, text);
  }
  for (
    const text of [
      "no thanks",
      "No, thank you.",
      "no, gracias",
      "нет, спасибо",
      "Nah thanks",
      "tanks",
    ]
  ) {
    assert.equal(await thanks(text, s += 660), 0, text);
  }
});

Deno.test("/start marks a member reachable only in a private chat", async () => {
  await using db = await testDatabase();
  await using w = await world(db);
  await w.send(w.msg(ben, "hello", at(0)));
  await db.sql`UPDATE members SET unreachable = true WHERE user_id = ${ben.id}`;
  await w.send(w.msg(ben, "/start", at(1)));
  const reach = async () =>
    (await db.sql`
      SELECT started_bot, unreachable, EXISTS (SELECT 1 FROM bot_users WHERE user_id = ${ben.id}) AS known
      FROM members WHERE user_id = ${ben.id}`)[0];
  assert.deepEqual({ ...(await reach()) }, { started_bot: false, unreachable: true, known: false });
  await w.send(privateMessage({ from: ben, text: "/start", messageId: 5, date: at(2) }));
  assert.deepEqual({ ...(await reach()) }, { started_bot: true, unreachable: false, known: true });
});

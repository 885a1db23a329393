/**
 * The member commands as a member meets them, through the webhook and the Bot API double: in
 * English and Spanish, with plurals and grouped numbers, replies that name who asked, /profile of
 * someone else, private commands for the member's groups, /top right after chatting, the welcome.
 */
import assert from "node:assert/strict";
import { messageIds, t } from "../domain/messages.ts";
import { LANGUAGES } from "../domain/i18n.ts";
import { testDatabase } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { serveWebhook, testBot } from "./fakes/bot.ts";
import { community } from "./fakes/community.ts";
import { groupMessage, type Person, privateMessage } from "./fakes/updates.ts";

const NOW = new Date("2026-06-10T12:00:00Z");
const ana: Person = { id: 1, name: "Ana", username: "ana", language: "es" };
const ben: Person = { id: 2, name: "Ben", username: "ben", language: "en" };
const GROUP = -100;
const OTHER = -200;

Deno.test("every language has every message, and each formats", () => {
  const en = messageIds("en");
  for (const lang of LANGUAGES) assert.deepEqual(messageIds(lang), en, `locales/${lang}`);
  assert.deepEqual([1, 2, 5, 21].map((n) => t("en", "days", { n })), [
    "1 day",
    "2 days",
    "5 days",
    "21 days",
  ]);
  assert.deepEqual([1, 2, 5, 21, 1234].map((n) => t("es", "days", { n })), [
    "1 día",
    "2 días",
    "5 días",
    "21 días",
    "1.234 días",
  ]);
  assert.equal(t("en", "xp", { n: 40237 }), "40,237 XP");
});

Deno.test("member commands in English and Spanish: replies, others' profiles, private, /top, welcome", async (t) => {
  await using db = await testDatabase();
  await community(db.sql, { id: GROUP, title: "Rust Learners" }, [
    { user: ana.id, name: "Ana", xp: 40237, startedBot: true },
    { user: ben.id, name: "Ben", xp: 5 },
  ]);
  await community(db.sql, { id: OTHER, title: "Book club" }, [{ user: ben.id, name: "Ben" }]);
  await db.sql`UPDATE members SET username = 'ana', messages_count = 1, links_shared = 2,
                thanks_received = 5 WHERE user_id = ${ana.id}`;
  await db.sql`INSERT INTO streaks (chat_id, user_id, current, best, last_activity_at, protections)
               VALUES (${GROUP}, ${ana.id}, 2, 5, ${NOW}::timestamptz - interval '45 hours', 1),
                      (${GROUP}, ${ben.id}, 1, 1, ${NOW}::timestamptz - interval '1 hour', 0)`;
  await using api = botApiDouble({ limits: false });
  const bot = testBot(api, db.sql, { now: () => NOW, adminUserIds: [99] });
  await bot.init();
  await using hook = serveWebhook(bot);
  let id = 500;
  async function say(from: Person, text: string, o: { replyTo?: Person; chat?: number } = {}) {
    const before = api.sent.length;
    const messageId = ++id;
    await hook.post(
      groupMessage({ chat: o.chat ?? GROUP, from, text, messageId, date: NOW, ...o }),
    );
    assert.equal(api.sent.length, before + 1, `one answer to ${text}`);
    const call = api.calls.filter((c) => c.method === "sendMessage").at(-1)!;
    return { text: api.sent.at(-1)!.text, params: call.params, messageId };
  }
  async function dm(from: Person, text: string) {
    const before = api.sent.length;
    await hook.post(privateMessage({ from, text, messageId: ++id, date: NOW }));
    assert.equal(api.sent.length, before + 1, `one answer to ${text}`);
    return api.calls.filter((c) => c.method === "sendMessage").at(-1)!.params;
  }

  await t.step("a group answer replies to the asking message; the profile in Spanish", async () => {
    const { text, params, messageId } = await say(ana, "/profile");
    assert.equal((params.reply_parameters as { message_id: number }).message_id, messageId);
    assert.equal(
      text,
      [
        "👤 Ana (@ana)",
        "Nivel 1 · 40.237 XP",
        "Has llegado al nivel máximo",
        "💬 1 mensaje · 🔗 2 enlaces · 🤝 5 agradecimientos",
        "🔥 Racha: 2 días (mejor: 5) · 🛡 1 protección",
        "❤️ 5/5 vidas",
        "🏆 Histórico: n.º 1 · Esta semana: sin puesto",
        "🎖 0 insignias",
      ].join("\n"),
    );
  });

  await t.step("/profile as a reply, or with @user, shows that member", async () => {
    const reply = await say(ben, "/profile", { replyTo: ana });
    assert.match(reply.text, /^👤 Ana \(@ana\)\n/);
    assert.match(reply.text, /\nLevel 1 · 40,237 XP\n/, "in Ben's language");
    const named = await say(ben, "/profile @ana");
    assert.equal(named.text, reply.text);
    assert.equal(
      (await say(ben, "/profile @nobody")).text,
      "@nobody has no profile in this chat yet.",
    );
  });

  await t.step("/streak: plurals, protections explained, time left in words", async () => {
    const es = (await say(ana, "/streak")).text;
    assert.equal(
      es,
      "🔥 2 días seguidos (mejor: 5).\nPara mantenerla, participa en menos de 3 h.\n" +
        "🛡 Protecciones: 1 de 2. Cada una mantiene tu racha viva una vez si faltas un día; " +
        "se ganan manteniendo la racha.",
    );
    const en = (await say(ben, "/streak")).text;
    assert.match(en, /^🔥 1 day in a row \(best 1\)\.\nKeep it alive: be active within 47 h\.\n/);
    assert.doesNotMatch(es + en, /\d{4}-\d\d-\d\dT/, "never an ISO timestamp");
  });

  await t.step(
    "refusals and misplaced commands say what is wrong, in the member's language",
    async () => {
      const carla: Person = { id: 7, name: "Carla", language: "es" };
      const cases: Array<[() => Promise<{ text?: unknown }>, string]> = [
        [() => say(ana, "/jobs"), "⛔ Solo los operadores de Warden pueden usar /jobs."],
        [() => say(ben, "/run level-ups"), "⛔ Only Warden's operators can use /run."],
        // named as Telegram names her, not by her id
        [() => say(ana, "/profile", { replyTo: carla }), "Carla aún no tiene perfil en este chat."],
        [
          () => dm(ana, "/top week"),
          "🏆 Cada grupo tiene su propia clasificación: envía /top en el grupo.",
        ],
        [() => dm(ben, "/rank"), "🏆 Each group has its own leaderboard: send /rank in the group."],
      ];
      for (const [ask, want] of cases) assert.equal((await ask()).text, want);
    },
  );

  await t.step("/lives explains what lives are for", async () => {
    const text = (await say(ben, "/lives")).text;
    assert.equal(
      text,
      "❤️ Lives: 5 of 5.\nYou have them all.\nA quiz (/quiz, in private) costs one life; one comes back every 30 min.",
    );
  });

  await t.step("/top is right the moment after someone chatted (live balances)", async () => {
    const before = (await say(ben, "/top")).text;
    assert.equal(before, "🏆 Leaderboard — all time (live)\n🥇 Ana — 40,237 XP\n🥈 Ben — 5 XP");
    await db.sql`UPDATE members SET xp = 50000 WHERE user_id = ${ben.id} AND chat_id = ${GROUP}`;
    const after = (await say(ben, "/top")).text;
    assert.equal(after, "🏆 Leaderboard — all time (live)\n🥇 Ben — 50,000 XP\n🥈 Ana — 40,237 XP");
  });

  await t.step("private /profile: the only group, or a choice of them with buttons", async () => {
    const one = await dm(ana, "/profile");
    assert.match(String(one.text), /^👤 Ana \(@ana\) · en Rust Learners\n/);
    const choice = await dm(ben, "/profile");
    assert.equal(choice.text, "Which group?");
    const buttons =
      (choice.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] })
        .inline_keyboard.flat();
    assert.deepEqual(buttons.map((b) => b.text), ["Book club", "Rust Learners"]);
    const sentId = api.sent.at(-1)!.message_id;
    await hook.post({
      update_id: 990_001,
      callback_query: {
        id: "cb-1",
        from: { id: ben.id, is_bot: false, first_name: "Ben", language_code: "en" },
        chat_instance: "ci",
        data: buttons[1].callback_data,
        message: {
          message_id: sentId,
          date: Math.floor(NOW.getTime() / 1000),
          chat: { id: ben.id, type: "private", first_name: "Ben" },
          text: "Which group?",
        },
      },
    });
    const edit = api.calls.filter((c) => c.method === "editMessageText").at(-1)!;
    assert.match(String(edit.params.text), /^👤 Ben · in Rust Learners\nLevel 1 · 50,000 XP\n/);
  });

  await t.step("operators: an unknown job is named", async () => {
    const bad = await say({ id: 99, name: "Op" }, "/run nope");
    assert.match(bad.text, /^No jobs run in this process\.$|^Unknown job "nope"/);
  });

  await t.step("added to a group: one welcome, in the adder's language, once", async () => {
    const added = {
      update_id: 990_100,
      my_chat_member: {
        chat: { id: -300, type: "supergroup", title: "Nuevo" },
        from: { id: ana.id, is_bot: false, first_name: "Ana", language_code: "es" },
        date: Math.floor(NOW.getTime() / 1000),
        old_chat_member: { status: "left", user: { id: 999, is_bot: true, first_name: "Warden" } },
        new_chat_member: {
          status: "member",
          user: { id: 999, is_bot: true, first_name: "Warden" },
        },
      },
    };
    await hook.post(added);
    await hook.post(added); // Telegram redelivers
    const rows = await db.sql`SELECT text FROM outbox WHERE chat_id = -300`;
    assert.equal(rows.length, 1);
    assert.match(
      rows[0].text,
      /^👋 ¡Hola, soy Warden! Doy XP por participar aquí: 1 por mensaje, 3 con un enlace/,
    );
    assert.match(rows[0].text, /\/settings/);
  });
});

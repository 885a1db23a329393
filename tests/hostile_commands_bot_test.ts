/**
 * Commands as members really type them, through the webhook and the Bot API double: the periods
 * of `/top` in Spanish (the Spanish menu names them so), a case's number as its posts write it
 * (`#12`), a wrong argument named in the answer, `/start` sent in a group.
 */
import assert from "node:assert/strict";
import { CASE_BANK } from "../domain/case_bank.ts";
import { openCase } from "../domain/case_generation.ts";
import { t } from "../domain/messages.ts";
import { profileText } from "../bot/member_texts.ts";
import { COMMAND_MENU_ES } from "../bot/setup.ts";
import { testDatabase } from "./db.ts";
import { adminGroup, ben as benAdmin, jefa } from "./fakes/admin_group.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { serveWebhook, testBot } from "./fakes/bot.ts";
import { community, creditLedger } from "./fakes/community.ts";
import { groupMessage, type Person, privateMessage } from "./fakes/updates.ts";

const NOW = new Date("2026-06-10T12:00:00Z");
const ana: Person = { id: 1, name: "Ana", username: "ana", language: "es" };
const ben: Person = { id: 2, name: "Ben", username: "ben", language: "en" };
const ES = -100, EN = -200;

async function world() {
  const db = await testDatabase();
  await community(db.sql, { id: ES, title: "Grupo" }, [{ user: ana.id, name: "Ana" }]);
  await community(db.sql, { id: EN, title: "Group" }, [{ user: ben.id, name: "Ben" }]);
  await db.sql`UPDATE chats SET language = 'es' WHERE chat_id = ${ES}`;
  await creditLedger(db.sql, ES, [[ana.id, 40, "2026-06-10T09:00:00Z"]]);
  await creditLedger(db.sql, EN, [[ben.id, 7, "2026-06-10T09:00:00Z"]]);
  const api = botApiDouble({ limits: false });
  const bot = testBot(api, db.sql, { now: () => NOW });
  await bot.init();
  const hook = serveWebhook(bot);
  let id = 10;
  /** The one answer to `text`, sent in `chat` (a group id, or "private"). */
  async function say(from: Person, chat: number | "private", text: string) {
    const before = api.sent.length;
    const messageId = ++id;
    await hook.post(
      chat === "private"
        ? privateMessage({ from, text, messageId, date: NOW })
        : groupMessage({ chat, from, text, messageId, date: NOW }),
    );
    const answers = api.sent.slice(before).map((m) => m.text);
    assert.equal(answers.length, 1, `one answer to ${JSON.stringify(text)}, got ${answers.length}`);
    return answers[0];
  }
  return {
    db,
    say,
    async [Symbol.asyncDispose]() {
      await hook[Symbol.asyncDispose]();
      await api[Symbol.asyncDispose]();
      await db[Symbol.asyncDispose]();
    },
  };
}

Deno.test("/top reads its period as the member's menu names it, and names a wrong one", async (t) => {
  await using w = await world();
  await t.step("Spanish periods, as the Spanish menu and help name them", async () => {
    const week = await w.say(ana, ES, "/top week");
    assert.match(week, /esta semana/);
    for (const word of ["semana", "Semana", "SEMANA", "semana "]) {
      assert.equal(await w.say(ana, ES, `/top ${word}`), week, word);
    }
    assert.equal(await w.say(ana, ES, "/top@warden_test_bot semana"), week);
    const day = await w.say(ana, ES, "/top day");
    assert.match(day, /de hoy/);
    assert.equal(await w.say(ana, ES, "/top hoy"), day);
    assert.equal(await w.say(ana, ES, "/top día"), day);
    assert.equal(await w.say(ana, ES, "/top mes"), await w.say(ana, ES, "/top month"));
    const all = await w.say(ana, ES, "/top");
    assert.match(all, /^🏆 Clasificación — histórica/);
    assert.equal(await w.say(ana, ES, "/rank histórica"), all);
    assert.equal(await w.say(ana, ES, "/top todo"), all);
  });
  await t.step("a wrong period is named, with the periods in the member's language", async () => {
    const es = await w.say(ana, ES, "/top año");
    assert.match(es, /«año»/);
    assert.match(es, /\/top \[hoy\|semana\|mes\|todo\]/);
    assert.doesNotMatch(es, /day|week|month/, "no English words in Spanish");
    const en = await w.say(ben, EN, "/top year");
    assert.match(en, /“year”/);
    assert.match(en, /\/top \[day\|week\|month\|all\]/);
    const long = await w.say(ben, EN, `/top ${"x".repeat(5000)}`);
    assert.ok(long.length < 200, `a long argument is clipped: ${long.length}`);
  });
  await t.step("the Spanish help and menu name the periods /top reads", async () => {
    const help = await w.say(ana, ES, "/help");
    assert.match(help, /\/top \[hoy\|semana\|mes\|todo\]/);
    const menu = COMMAND_MENU_ES.find((c) => c.command === "top")!.description;
    for (const word of menu.split(":")[1].split(/,| o /).map((s) => s.trim()).filter(Boolean)) {
      const text = await w.say(ana, ES, `/top ${word}`);
      assert.match(text, /^🏆 (Clasificación — |Aún no hay nadie)/, `the menu's "${word}"`);
    }
  });
});

Deno.test("/case and /verify read #12 as their posts write it, and name a wrong argument", async (t) => {
  await using w = await world();
  const opened = await openCase(w.db.sql, CASE_BANK[0], {
    source: "bank",
    slot: null,
    opensAt: NOW,
    votingHours: 24,
    rail: "xp",
  });
  const n = opened!.id;
  await t.step("#N is N", async () => {
    const plain = await w.say(ana, ES, `/case ${n}`);
    assert.match(plain, new RegExp(`^⚖️ Caso #${n}: `));
    assert.equal(await w.say(ana, ES, `/case #${n}`), plain);
    assert.equal(await w.say(ana, ES, `/verify #${n}`), await w.say(ana, ES, `/verify ${n}`));
  });
  await t.step("a wrong or missing number is named", async () => {
    const es = await w.say(ana, ES, "/case abc");
    assert.match(es, /«abc» no es un número de caso/);
    assert.match(await w.say(ben, EN, "/case -3"), /“-3” is not a case number/);
    assert.match(await w.say(ben, EN, "/verify 1 2"), /“1 2” is not a case number/);
    assert.match(await w.say(ana, ES, "/verify"), /Falta el número del caso/);
    assert.match(await w.say(ben, EN, "/verify"), /Which case\?/);
    const long = await w.say(ben, EN, `/case ${"9".repeat(5000)}`);
    assert.ok(long.length < 200, `a long argument is clipped: ${long.length}`);
  });
});

Deno.test("/start in a group does not promise private messages: it says where to start the bot", async () => {
  await using w = await world();
  const text = await w.say(ana, ES, "/start");
  assert.notEqual(text, t("es", "start", { name: "Ana" }));
  assert.match(text, /t\.me\/warden_test_bot/);
  const [row] = await w.db.sql`SELECT started_bot FROM members WHERE user_id = ${ana.id}`;
  assert.equal(row.started_bot, false, "a /start in a group gives no permission");
  assert.equal(await w.say(ana, "private", "/start"), t("es", "start", { name: "Ana" }));
});

Deno.test("/wallet with no address asks for one, rather than faulting its missing 0x", async () => {
  await using w = await world();
  const es = await w.say(ana, "private", "/wallet");
  assert.match(es, /Falta la dirección/);
  assert.doesNotMatch(es, /empieza por 0x/);
  assert.match(await w.say(ben, "private", "/wallet   "), /No address/);
  assert.match(await w.say(ben, "private", "/wallet 12"), /starts with 0x/);
});

Deno.test("/profile's all-time rank is the one /top gives, below the cached hundred too; /top tells a hidden member why", async () => {
  await using w = await world();
  const many = Array.from({ length: 120 }, (_, i) => ({ user: 1000 + i, xp: 500 + i }));
  await community(w.db.sql, { id: ES }, many);
  const top = await w.say(ana, ES, "/top");
  assert.match(top, /\nTú: n\.º 121 con 40 XP$/);
  assert.match(await w.say(ana, ES, "/profile"), /\n🏆 Histórico: n\.º 121 · /);
  await w.say(ana, ES, "/hide");
  assert.match(await w.say(ana, ES, "/profile"), /\n🏆 Histórico: sin puesto · /);
  // a hidden member is told why they are off the boards, not that they are not on them "yet"
  for (const period of ["", " semana"]) {
    const off = await w.say(ana, ES, `/top${period}`);
    assert.match(
      off,
      /(\n|^)🙈 No apareces en las clasificaciones de este chat: te ocultaste con \/hide; \/show te devuelve a ellas\.$/,
      off,
    );
  }
});

Deno.test("a profile's progress is a percentage as each language writes it (60 %, 60%), and a level reached is said so", () => {
  const p = {
    chatId: ES,
    userId: 1,
    name: "Ana",
    username: null,
    level: 2,
    levelName: "Newcomer II",
    xp: 160,
    nextLevelXp: 200,
    progress: 0.6,
    counters: { messages: 0, links: 0, thanksReceived: 0 },
    streak: { current: 0, best: 0, protections: 0 },
    lives: { current: 5, max: 5 },
    rank: { all: 1, month: null, week: null, day: null },
    badges: 0,
  };
  assert.equal(
    profileText("es", p).split("\n")[2],
    "▰▰▰▰▰▰▱▱▱▱ 60\u00a0% · te faltan 40 XP para el nivel 3",
  );
  assert.equal(profileText("en", p).split("\n")[2], "▰▰▰▰▰▰▱▱▱▱ 60% · 40 XP to level 3");
  // past the threshold, until level-ups (every 6 h) raises the level: not "0 XP to level 3"
  const past = { ...p, xp: 230, progress: 1 };
  assert.equal(
    profileText("es", past).split("\n")[2],
    "▰▰▰▰▰▰▰▰▰▰ 100\u00a0% · nivel 3 alcanzado: llega con la próxima revisión de niveles",
  );
  assert.equal(
    profileText("en", past).split("\n")[2],
    "▰▰▰▰▰▰▰▰▰▰ 100% · level 3 reached: it comes with the next level check",
  );
});

Deno.test("the Spanish menu calls a wallet what the Spanish texts call it", () => {
  const wallet = COMMAND_MENU_ES.find((c) => c.command === "wallet")!.description;
  assert.match(wallet, /cartera/);
  assert.match(t("es", "wallet-error-prefix"), /cartera/);
});

Deno.test("an admin's reason is counted as people count it, and a control character in it is named", async () => {
  await using g = await adminGroup();
  const said = async (text: string) => {
    const before = g.api.sent.length;
    await g.say(jefa, text);
    assert.equal(g.api.sent.length, before + 1, `one answer to ${JSON.stringify(text)}`);
    return g.api.sent.at(-1)!.text;
  };
  // 150 emoji: 150 characters (300 UTF-16 units), within the 200 a reason may have
  const party = "🎉".repeat(150);
  assert.match(await said(`/givexp @ben 5 ${party}`), /^✅ Diste 5 XP a Ben/);
  const [row] = await g.sql`SELECT reason, note FROM xp_ledger WHERE user_id = ${benAdmin.id}`;
  assert.ok([row.reason, row.note].includes(party), "the reason is stored whole");
  assert.match(await said(`/givexp @ben 5 ${"🎉".repeat(201)}`), /200 caracteres como mucho/);
  // a right-to-left override pasted into a reason: named, nothing moved
  for (const command of ["/givexp @ben 5 gracias\u202E", "/resetxp @ben adiós\u0007"]) {
    const text = await said(command);
    assert.match(text, /U\+(202E|0007)/, text);
    assert.match(text, /^⚠️ /);
  }
  assert.equal(await g.xpOf(benAdmin.id), 35);
});

Deno.test("an admin's N is read grouped as the answers write it (1.000, 1,000), never as a decimal", async () => {
  await using g = await adminGroup();
  const said = async (text: string) => {
    await g.say(jefa, text);
    return g.api.sent.at(-1)!.text;
  };
  assert.match(
    await said("/givexp @ben 1.000 bienvenida"),
    /^✅ Diste 1\.000 XP a Ben: ahora tiene 1\.030 XP/,
  );
  assert.match(
    await said("/takexp @ben 1,000 oops"),
    /^✅ Quitaste 1\.000 XP a Ben: ahora tiene 30 XP/,
  );
  assert.match(await said("/givexp @ben 1.000.000 premio"), /^✅ Diste 1\.000\.000 XP/);
  for (const n of ["1.5", "1,00", "1.000,5", "1.000,000", "10.0000", ".100", "1..000"]) {
    assert.match(
      await said(`/givexp @ben ${n} x`),
      new RegExp(`no «${n.replaceAll(".", "\\.")}»`),
      n,
    );
  }
  assert.match(await said("/givexp @ben 1.000.001 x"), /no «1\.000\.001»/);
  assert.equal(await g.xpOf(benAdmin.id), 1_000_030);
});

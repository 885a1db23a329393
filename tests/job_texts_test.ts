import assert from "node:assert/strict";
import { type Language, languageOf, LANGUAGES, number } from "../domain/i18n.ts";
import { t } from "../domain/messages.ts";
import { levelName } from "../domain/progress_names.ts";
import { type SqlArg, sqlLanguage, sqlMessage, sqlNumber } from "../domain/job_texts.ts";
import type { Sql } from "postgres";
import { levelTable, syncLevels } from "../domain/levels.ts";
import { levelUpsJob } from "../domain/level_ups.ts";
import { streakExpiryJob } from "../domain/streak_expiry.ts";
import { testDatabase } from "./db.ts";
import { community, outbox, runJob } from "./fakes/community.ts";

// The SQL twins of the jobs' texts (domain/job_texts.ts), pinned to Fluent and Intl: what the
// jobs write for a million members in one statement reads as `t()` would have written it.

const ONE_TO_THOUSAND = Array.from({ length: 1001 }, (_, n) => n);
const BIG = [1_234, 9_999, 10_000, 99_999, 100_000, 999_999, 1_000_000, 1_234_567, 2 ** 31 - 1];

Deno.test("en and es say `one` for 1 only, as the SQL `CASE WHEN n = 1` assumes", () => {
  for (const lang of LANGUAGES) {
    const rules = new Intl.PluralRules(lang);
    for (const n of [...ONE_TO_THOUSAND, ...BIG]) {
      assert.equal(rules.select(n) === "one", n === 1, `${lang} ${n}`);
    }
  }
});

Deno.test("SQL helpers: numbers grouped as Intl, the language rule, every jobs message as t()", async (t2) => {
  await using db = await testDatabase();

  await t2.step("sqlNumber groups as i18n.number for 0…20,000 and large values", async () => {
    const values = [...Array.from({ length: 20_001 }, (_, n) => n), ...BIG, 9_007_199_254_740_991];
    const rows = await db.sql.unsafe<{ n: string; en: string; es: string }[]>(
      `SELECT n::text, ${sqlNumber("n", "en")} AS en, ${sqlNumber("n", "es")} AS es
       FROM unnest($1::bigint[]) n`,
      [values],
    );
    assert.equal(rows.length, values.length);
    for (const r of rows) {
      const n = Number(r.n);
      assert.equal(r.en, number("en", n));
      assert.equal(r.es, number("es", n));
    }
    assert.deepEqual(
      [rows[1234].en, rows[1234].es, rows[9].es],
      ["1,234", "1.234", "9"],
      "es-ES groups four digits too (useGrouping: always)",
    );
  });

  await t2.step(
    "sqlLanguage: the chat's setting, else the member's language_code, else en",
    async () => {
      const cases: [string | null, string | null][] = [
        ["es", "en"],
        ["en", "es-AR"],
        [null, "es-AR"],
        [null, "ES_mx"],
        [null, "pt-br"],
        [null, ""],
        [null, null],
      ];
      const rows = await db.sql.unsafe<{ lang: string }[]>(
        `SELECT ${sqlLanguage("c.chat", "c.code")} AS lang
       FROM json_to_recordset($1::text::json) AS c(chat text, code text, i int) ORDER BY i`,
        [JSON.stringify(cases.map(([chat, code], i) => ({ chat, code, i })))],
      );
      assert.deepEqual(rows.map((r) => r.lang), cases.map(([c, m]) => languageOf(c, m)));
      assert.deepEqual(rows.map((r) => r.lang), ["es", "en", "es", "es", "en", "en", "en"]);
    },
  );

  /** Each message over sample rows, in both languages: the SQL text equals `t()`. */
  async function pin(id: string, args: Record<string, SqlArg>, samples: Record<string, unknown>[]) {
    const columns = Object.keys(args).map((k) =>
      `"${k}" ${"number" in args[k] ? "bigint" : "text"}`
    );
    const rows = await db.sql.unsafe<{ lang: Language; text: string }[]>(
      `SELECT r.lang, ${sqlMessage(id, "r.lang", args)} AS text
       FROM json_to_recordset($1::text::json) AS r(lang text, ${columns}, i int) ORDER BY i`,
      [JSON.stringify(
        LANGUAGES.flatMap((lang) => samples.map((s) => ({ lang, ...s })))
          .map((row, i) => ({ ...row, i })),
      )],
    );
    const expected = LANGUAGES.flatMap((lang) =>
      samples.map((s) => t(lang, id, s as Record<string, string | number>))
    );
    assert.deepEqual(rows.map((r) => r.text), expected, id);
  }
  const odd = ["Rust Learners", "O'Brien \\ 100% {x} $1", "Zoë 🦀", "‮Ana"];

  await t2.step("every jobs message, plurals from 0 to 1,000 and beyond, odd names", async () => {
    const counts = [...ONE_TO_THOUSAND, ...BIG];
    await pin(
      "streak-broken",
      { days: { number: "r.days" }, chat: { text: "r.chat" } },
      counts.map((days, i) => ({ days, chat: odd[i % odd.length] })),
    );
    await pin(
      "level-up-digest-more",
      { n: { number: "r.n" } },
      counts.map((n) => ({ n })),
    );
    const levels = [1, 2, 5, 21, 100, 1_000, 12_345];
    await pin(
      "level-up-dm",
      {
        level: { number: "r.level" },
        levelName: { text: 'r."levelName"' },
        chat: { text: "r.chat" },
        oldLevel: { number: 'r."oldLevel"' },
        oldName: { text: 'r."oldName"' },
      },
      levels.map((level, i) => ({
        level,
        levelName: odd[i % 4],
        chat: odd[(i + 1) % 4],
        oldLevel: Math.max(1, level - 3),
        oldName: odd[(i + 2) % 4],
      })),
    );
    await pin(
      "level-up-digest-line",
      {
        name: { text: "r.name" },
        level: { number: "r.level" },
        levelName: { text: 'r."levelName"' },
      },
      levels.map((level, i) => ({ name: odd[i % 4], level, levelName: odd[(i + 3) % 4] })),
    );
    await pin("level-up-digest-title", { chat: { text: "r.chat" } }, odd.map((chat) => ({ chat })));
    await pin(
      "level-up-benefits",
      { benefits: { text: "r.benefits" } },
      odd.map((benefits) => ({ benefits })),
    );
    await pin(
      "case-reward",
      { case: { text: "r.case" }, xp: { number: "r.xp" }, verdict: { text: "r.verdict" } },
      counts.map((xp, i) => ({ case: String(i + 1), xp, verdict: odd[i % odd.length] })),
    );
  });
});

Deno.test("the plural forms the jobs say: 1, 2 and 5 in English and Spanish", () => {
  const broken = (lang: Language, days: number) =>
    t(lang, "streak-broken", { days, chat: "Rust Learners" });
  assert.deepEqual([1, 2, 5].map((d) => broken("es", d)), [
    "💔 Tu racha de 1 día en Rust Learners ha terminado. ¡Participa hoy para empezar una nueva!",
    "💔 Tu racha de 2 días en Rust Learners ha terminado. ¡Participa hoy para empezar una nueva!",
    "💔 Tu racha de 5 días en Rust Learners ha terminado. ¡Participa hoy para empezar una nueva!",
  ]);
  assert.equal(
    broken("en", 1),
    "💔 Your 1-day streak in Rust Learners has ended. Be active today to start a new one!",
  );
  const more = (lang: Language, n: number) => t(lang, "level-up-digest-more", { n });
  assert.deepEqual([1, 2, 5, 4_990].map((n) => more("en", n)), [
    "…and 1 more member",
    "…and 2 more members",
    "…and 5 more members",
    "…and 4,990 more members",
  ]);
  assert.deepEqual([1, 2, 5, 4_990].map((n) => more("es", n)), [
    "…y 1 miembro más",
    "…y 2 miembros más",
    "…y 5 miembros más",
    "…y 4.990 miembros más",
  ]);
});

// The jobs themselves: exact texts in each reader's language, the announcement modes, reruns.
const SLOT = "2026-05-01T06:00:00Z";
const name = (i: number) => `M${String(i).padStart(4, "0")}`;
const xpFor = (level: number) => levelTable(MEE6)[level - 1].minXp;
const MEE6 = { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 10 } as const;
const sent = async (sql: Sql) => (await outbox(sql)).map((m) => `${m.chat_id}: ${m.text}`).sort();

async function members(sql: Sql, chat: number, rows: [number, string, number, boolean, string?][]) {
  await community(
    sql,
    { id: chat, title: `Chat ${chat}` },
    rows.map(([user, name, level, startedBot]) => ({ user, name, xp: xpFor(level), startedBot })),
  );
  for (const [user, , , , code] of rows) {
    if (code) await sql`UPDATE members SET language_code = ${code} WHERE user_id = ${user}`;
  }
}

Deno.test("level-ups: private messages and digests in each reader's language; group, private, off", async () => {
  await using db = await testDatabase();
  await syncLevels(db.sql, MEE6);
  await db.sql`UPDATE levels SET name = 'Regular', benefits = 'a custom colour' WHERE number = 5`;
  await members(db.sql, -1, [
    [1, "Ana", 5, true],
    [2, "Bea", 5, true, "es-AR"],
    [3, "Zoe", 10, false, "es"],
  ]);
  await members(db.sql, -2, [[4, "Dan", 5, true, "en"]]);
  await members(db.sql, -3, [[5, "Eve", 5, true]]);
  await members(db.sql, -4, [[6, "Gil", 5, false, "es"], [7, "Hal", 5, false]]);
  await db.sql`UPDATE chats SET title = 'Rust Learners' WHERE chat_id = -1`;
  await db
    .sql`UPDATE chats SET language = 'es', level_up_announcements = 'private' WHERE chat_id = -2`;
  await db.sql`UPDATE chats SET level_up_announcements = 'off' WHERE chat_id = -3`;
  const job = levelUpsJob({ batchSize: 100, notify: true });
  await runJob(job, db.sql, SLOT);
  const [x] = await db.sql<{ name: string }[]>`SELECT name FROM levels WHERE number = 10`;
  assert.equal(x.name, "Newcomer X", "the table keeps the English name");
  const benefits = (lang: Language) =>
    t(lang, "level-up-benefits", { benefits: "a custom colour" });
  const dm = (lang: Language, chat: string) =>
    `${
      t(lang, "level-up-dm", {
        level: 5,
        levelName: "Regular",
        chat,
        oldLevel: 1,
        oldName: levelName(lang, 1), // the default name, said in the language
      })
    }\n${benefits(lang)}`;
  const texts = [
    // Most of Rust Learners' levelled-up members speak Spanish; highest level first, then by name.
    // A default level name is said in the language; one renamed in the table ("Regular") as stored.
    `-1: 🏆 Subidas de nivel en Rust Learners:\n• Zoe → nivel 10 (Novato X)\n• Ana → nivel 5 (Regular)\n• Bea → nivel 5 (Regular)`,
    // One Spanish, one unknown (English): a tie reads English.
    "-4: 🏆 Level-ups in Chat -4:\n• Gil → level 5 (Regular)\n• Hal → level 5 (Regular)",
    "1: 🎉 You reached level 5 — Regular — in Rust Learners!\nPrevious level: 1 — Newcomer I\nBenefits: a custom colour",
    "2: 🎉 ¡Subiste de nivel! Ahora eres nivel 5 — Regular — en Rust Learners.\nNivel anterior: 1 — Novato I\nVentajas: a custom colour",
    "4: 🎉 ¡Subiste de nivel! Ahora eres nivel 5 — Regular — en Chat -2.\nNivel anterior: 1 — Novato I\nVentajas: a custom colour",
  ];
  assert.deepEqual(await sent(db.sql), texts, "chat -2 private only (in its Spanish), -3 off");
  assert.deepEqual(texts.slice(2), [
    `1: ${dm("en", "Rust Learners")}`,
    `2: ${dm("es", "Rust Learners")}`,
    `4: ${dm("es", "Chat -2")}`,
  ]);
  const [events] = await db.sql`SELECT count(*)::int AS n FROM events WHERE kind = 'level_up'`;
  assert.equal(events.n, 4, "the events are written whatever the chat announces");

  const before = await outbox(db.sql);
  await db.sql`UPDATE members SET level = 1, next_level_xp = 100`; // owed again, same slot
  await runJob(job, db.sql, SLOT);
  assert.deepEqual(await outbox(db.sql), before, "the same slot again sends nothing twice");
});

Deno.test("level-ups: a digest names ten members, then '…and N more' grouped and pluralised", async () => {
  await using db = await testDatabase();
  await syncLevels(db.sql, MEE6);
  const sizes = { [-11]: 11, [-12]: 12, [-15]: 15, [-5000]: 5_000 };
  for (const [chat, size] of Object.entries(sizes)) {
    const rows = Array.from({ length: size }, (_, i) => ({
      user: -Number(chat) * 10_000 + i,
      name: name(size - i),
      xp: xpFor(2),
    }));
    await community(db.sql, { id: Number(chat), title: `Size ${size}` }, rows);
  }
  await db.sql`UPDATE chats SET language = 'es' WHERE chat_id IN (-12, -5000)`;
  await runJob(levelUpsJob({ batchSize: 1_000, notify: true }), db.sql, SLOT);
  const digests = new Map((await outbox(db.sql)).map((m) => [m.chat_id, m.text.split("\n")]));
  assert.deepEqual([-11, -12, -15, -5000].map((c) => digests.get(c)!.at(-1)), [
    "…and 1 more member",
    "…y 2 miembros más",
    "…and 5 more members",
    "…y 4.990 miembros más",
  ]);
  const line = (i: number) =>
    t("en", "level-up-digest-line", { name: name(i), level: 2, levelName: "Newcomer II" });
  assert.deepEqual(digests.get(-11), [
    t("en", "level-up-digest-title", { chat: "Size 11" }),
    ...Array.from({ length: 10 }, (_, i) => line(i + 1)),
    t("en", "level-up-digest-more", { n: 1 }),
  ]);
  assert.equal(digests.get(-5000)![1], "• M0001 → nivel 2 (Novato II)");
});

Deno.test("streak-expiry: the broken-streak message, exactly, in each member's language", async () => {
  await using db = await testDatabase();
  await community(
    db.sql,
    { id: -1, title: "Rust Learners" },
    [1, 2, 3, 4].map((user) => ({ user, startedBot: true })),
  );
  await community(db.sql, { id: -2, title: "" }, [{ user: 5, startedBot: true }]);
  await db.sql`UPDATE members SET language_code = 'es-MX' WHERE user_id IN (2, 3, 4)`;
  await db.sql`UPDATE members SET language_code = 'en' WHERE user_id = 5`;
  await db.sql`UPDATE chats SET language = 'es' WHERE chat_id = -2`;
  await db.sql`
    INSERT INTO streaks (chat_id, user_id, current, best, last_activity_at, protections)
    SELECT CASE WHEN u = 5 THEN -2 ELSE -1 END, u, d, d, '2026-05-07T12:00:00Z', 0
    FROM unnest('{1,2,3,4,5}'::bigint[], '{1,1,2,5,5}'::int[]) AS x(u, d)`;
  const job = streakExpiryJob();
  await runJob(job, db.sql, "2026-05-10T00:00:00Z");
  assert.deepEqual(await sent(db.sql), [
    "1: 💔 Your 1-day streak in Rust Learners has ended. Be active today to start a new one!",
    "2: 💔 Tu racha de 1 día en Rust Learners ha terminado. ¡Participa hoy para empezar una nueva!",
    "3: 💔 Tu racha de 2 días en Rust Learners ha terminado. ¡Participa hoy para empezar una nueva!",
    "4: 💔 Tu racha de 5 días en Rust Learners ha terminado. ¡Participa hoy para empezar una nueva!",
    "5: 💔 Tu racha de 5 días en tu grupo ha terminado. ¡Participa hoy para empezar una nueva!",
  ]);
  await runJob(job, db.sql, "2026-05-10T00:00:00Z");
  await runJob(job, db.sql, "2026-05-11T00:00:00Z");
  assert.equal((await outbox(db.sql)).length, 5, "a rerun and the next day send nothing more");
});

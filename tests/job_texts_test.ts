import assert from "node:assert/strict";
import { duration, type Language, languageOf, LANGUAGES, number } from "../domain/i18n.ts";
import { t } from "../domain/messages.ts";
import { type SqlArg, sqlLanguage, sqlMessage, sqlNumber, sqlSpan } from "../domain/job_texts.ts";
import { testDatabase } from "./db.ts";

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
      "streak-broken-returned",
      { days: { number: "r.days" }, chat: { text: "r.chat" } },
      counts.map((days, i) => ({ days, chat: odd[i % odd.length] })),
    );
    await pin(
      "streak-reminder",
      { days: { number: "r.days" }, left: { text: "r.left" }, chat: { text: "r.chat" } },
      counts.map((days, i) => ({ days, left: "3 h 45 min", chat: odd[i % odd.length] })),
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

  await t2.step(
    "selectors: a CASE per value, the `*` variant for any other, plurals within",
    async () => {
      const causes = ["attempts", "reverted", "not-found", "interrupted", "other", "0"];
      const cause = { select: "r.cause", values: ["reverted", "not-found", "interrupted"] };
      await pin(
        "anchor-failed-alert",
        {
          case: { text: "r.case" },
          incident: { text: "r.incident" },
          cause,
          tx: { text: "r.tx" },
          window: { text: "r.window" },
          attempts: { number: "r.attempts" },
          error: { text: "r.error" },
        },
        causes.flatMap((cause, i) =>
          [0, 1, 2, 5, 1_234].map((attempts) => ({
            case: String(i + 1),
            incident: "17",
            cause,
            tx: "0xab",
            window: "24 h",
            attempts,
            error: odd[i % odd.length],
          }))
        ),
      );
      await pin(
        "monitor-closed-alert",
        {
          job: { text: "r.job" },
          incident: { text: "r.incident" },
          span: { text: "r.span" },
          reason: { select: "r.reason", values: ["stale", "failing"] },
        },
        ["stale", "failing", "paused", odd[1]].map((reason) => ({
          job: odd[0],
          incident: "7",
          span: "3 h",
          reason,
        })),
      );
    },
  );

  await t2.step("sqlSpan says what i18n.duration says, days included", async () => {
    const minutes = [
      ...Array.from({ length: 3_000 }, (_, n) => n),
      4_319,
      4_320,
      10_080,
      2_000_000,
    ];
    for (const lang of LANGUAGES) {
      const rows = await db.sql.unsafe<{ m: number; text: string }[]>(
        `SELECT m, ${sqlSpan("m", lang)} AS text FROM unnest($1::int[]) m`,
        [minutes],
      );
      for (const r of rows) assert.equal(r.text, duration(lang, r.m * 60_000), `${lang} ${r.m}`);
    }
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

import assert from "node:assert/strict";
import { LANGUAGES } from "../domain/i18n.ts";
import { levelTable, syncLevels } from "../domain/levels.ts";
import { levelUpsJob } from "../domain/level_ups.ts";
import {
  badgeText,
  levelBenefits,
  levelName,
  localLevelName,
  sqlLevelText,
} from "../domain/progress_names.ts";
import { testDatabase } from "./db.ts";
import { community, outbox, runJob } from "./fakes/community.ts";

Deno.test("level names: a tier per ten levels and a numeral, then numbered; said in each language", () => {
  assert.deepEqual([1, 2, 10, 14, 91, 100, 101, 130].map((n) => levelName("en", n)), [
    "Newcomer I",
    "Newcomer II",
    "Newcomer X",
    "Member IV",
    "Mythic I",
    "Mythic X",
    "Mythic 11",
    "Mythic 40",
  ]);
  assert.deepEqual([1, 14, 101].map((n) => levelName("es", n)), [
    "Novato I",
    "Miembro IV",
    "Mítico 11",
  ]);
  // Only what the rules grant: a tier's title, the badge of level 5; no life comes with a level;
  // past 100 the last tier's title is held already (from 91).
  assert.deepEqual([1, 5, 11, 15, 91, 101, 111].map((n) => levelBenefits("es", n)), [
    null,
    "la insignia ¡Subida de nivel!",
    "el título de Miembro",
    null,
    "el título de Mítico",
    null,
    null,
  ]);
  assert.equal(levelBenefits("en", 5), "the Level Up! badge");
  // The levels table keeps the English defaults.
  const table = levelTable({ formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  assert.equal(table[10].name, "Member I");
  assert.equal(table[10].benefits, "the Member title");
  // A stored default name is said in the language; a renamed level is shown as stored.
  assert.equal(localLevelName("es", 11, "Member I"), "Miembro I");
  assert.equal(localLevelName("es", 11, "Bookworm"), "Bookworm");
  assert.equal(localLevelName("es", 12, "Member I"), "Member I", "not level 12's default");
});

Deno.test("badge names and units: the language's message, else the stored text", () => {
  assert.equal(badgeText("es", "chatterbox", "Chatterbox"), "Parlanchín");
  assert.equal(badgeText("es", "chatterbox", "messages", "unit"), "mensajes");
  assert.equal(badgeText("en", "case_early_adopter", "x"), "Early Adopter");
  assert.equal(badgeText("es", "retired_badge", "Old Timer"), "Old Timer", "no longer defined");
});

Deno.test("the jobs' SQL says level names and benefits exactly as the bot's TypeScript does", async () => {
  await using db = await testDatabase();
  for (const lang of LANGUAGES) {
    const name = sqlLevelText("s.n", "s.stored_name", "name").text(lang);
    const benefits = sqlLevelText("s.n", "s.stored_benefits", "benefits").text(lang);
    const rows = await db.sql.unsafe<{ n: number; name: string; benefits: string | null }[]>(
      `
      SELECT s.n, ${name} AS name, ${benefits} AS benefits
      FROM json_to_recordset($1::text::json)
        AS s(n int, stored_name text, stored_benefits text)
      ORDER BY s.n`,
      [
        JSON.stringify([
          ...Array.from({ length: 130 }, (_, i) => ({
            n: i + 1,
            stored_name: levelName("en", i + 1),
            stored_benefits: levelBenefits("en", i + 1),
          })),
          { n: 131, stored_name: "Bookworm", stored_benefits: "a custom colour" },
        ]),
      ],
    );
    const want = [
      ...Array.from({ length: 130 }, (_, i) => ({
        n: i + 1,
        name: levelName(lang, i + 1),
        benefits: levelBenefits(lang, i + 1),
      })),
      { n: 131, name: "Bookworm", benefits: "a custom colour" },
    ];
    assert.deepEqual(rows.map((r) => ({ ...r })), want, lang);
  }
});

Deno.test("level-ups: a Spanish member reads the level, the previous one and the benefits in Spanish", async () => {
  await using db = await testDatabase();
  const curve = { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 } as const;
  await syncLevels(db.sql, curve);
  const xp = levelTable(curve)[10].minXp; // level 11: Member I, the Member title
  await community(db.sql, { id: -1, title: "Lectores" }, [
    { user: 1, xp, level: 10, startedBot: true },
    { user: 2, xp, level: 10, startedBot: true },
  ]);
  await db.sql`UPDATE members SET language_code = 'es' WHERE user_id = 1`;
  await runJob(levelUpsJob({ batchSize: 100, notify: true }), db.sql, "2026-11-25T12:00:00Z");
  const dms = (await outbox(db.sql)).filter((m) => m.chat_id > 0)
    .sort((a, b) => a.chat_id - b.chat_id).map((m) => m.text);
  assert.deepEqual(dms, [
    "🎉 ¡Subiste de nivel! Ahora eres nivel 11 — Miembro I — en Lectores.\n" +
    "Nivel anterior: 10 — Novato X\nVentajas: el título de Miembro",
    "🎉 You reached level 11 — Member I — in Lectores!\n" +
    "Previous level: 10 — Newcomer X\nBenefits: the Member title",
  ]);
});

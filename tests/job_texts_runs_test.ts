import assert from "node:assert/strict";
import type { Language } from "../domain/i18n.ts";
import { t } from "../domain/messages.ts";
import { levelName } from "../domain/progress_names.ts";
import type { Sql } from "postgres";
import { levelTable, syncLevels } from "../domain/levels.ts";
import { levelUpsJob } from "../domain/level_ups.ts";
import { streakExpiryJob } from "../domain/streak_expiry.ts";
import { testDatabase } from "./db.ts";
import { community, outbox, runJob } from "./fakes/community.ts";

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

import assert from "node:assert/strict";
import { caseClosureJob } from "../domain/case_closure.ts";
import { caseGenerationJob } from "../domain/case_generation.ts";
import { bankProvider } from "../domain/case_provider.ts";
import { testDatabase } from "./db.ts";
import { community, runJob } from "./fakes/community.ts";
import { report, SLOT as REPORT_SLOT } from "./fakes/report_day.ts";
import { ledger, settings } from "./fakes/report_rows.ts";

const SLOT = new Date("2026-06-01T00:00:00Z");
const CLOSE = new Date("2026-06-02T00:00:00Z");
const generation = caseGenerationJob({ provider: bankProvider(), votingHours: 24, rail: "xp" });
const closure = caseClosureJob({ pool: 1000, rail: "xp" });

/**
 * Groups that take part, each with its members' Telegram languages: a group with no language
 * set speaks as most of its members do, as the level-up and badge digests already do.
 */
const GROUPS: Array<
  { id: number; setting: string | null; codes: Array<string | null>; is: string }
> = [
  { id: -11, setting: null, codes: ["es-MX", "ES", "es_AR", "en", null], is: "es" },
  { id: -12, setting: null, codes: ["pt-BR", "pt", "es"], is: "en" }, // pt reads English
  { id: -13, setting: null, codes: ["en", "es"], is: "en" }, // a tie: English
  { id: -14, setting: "en", codes: ["es", "es"], is: "en" }, // the setting wins
  { id: -15, setting: "es", codes: [], is: "es" },
  { id: -16, setting: null, codes: [], is: "en" }, // nobody yet
];

Deno.test("a case's post and its closing post are in the group's language: its setting, else the one most of its members speak", async () => {
  await using db = await testDatabase();
  let user = 0;
  for (const g of GROUPS) {
    const members = g.codes.map(() => ({ user: ++user }));
    await community(db.sql, { id: g.id, title: `G${g.id}` }, members);
    await db
      .sql`UPDATE chats SET cases_enabled = true, language = ${g.setting} WHERE chat_id = ${g.id}`;
    for (const [i, code] of g.codes.entries()) {
      await db.sql`UPDATE members SET language_code = ${code}
                   WHERE chat_id = ${g.id} AND user_id = ${members[i].user}`;
    }
  }
  await runJob(generation, db.sql, SLOT);
  await runJob(closure, db.sql, CLOSE);
  await runJob(closure, db.sql, CLOSE);
  const rows = await db.sql<{ chat_id: string; dedupe_key: string; text: string }[]>`
    SELECT chat_id, dedupe_key, text FROM outbox ORDER BY id`;
  const said = (text: string) =>
    /^⚖️ Caso #/.test(text) ? "es" : /^⚖️ Case #/.test(text) ? "en" : "?";
  const got = rows.map((r) => `${r.dedupe_key.split(":")[0]} ${r.chat_id} ${said(r.text)}`);
  const expected = ["case-post", "case-closed"].flatMap((kind) =>
    GROUPS.map((g) => `${kind} ${g.id} ${g.is}`)
  );
  assert.deepEqual(got.toSorted(), expected.toSorted());
});

Deno.test("a group's daily report is in the group's language: its setting, else the one most of its members speak", async () => {
  await using db = await testDatabase();
  let user = 0;
  for (const g of GROUPS) {
    // Someone is active in each (the member with no language code, in a group without members).
    const members = (g.codes.length ? g.codes : [null]).map(() => ({ user: ++user }));
    await community(db.sql, { id: g.id, title: `G${g.id}` }, members);
    await settings(db.sql, g.id, g.setting, g.id - 100);
    for (const [i, code] of g.codes.entries()) {
      await db.sql`UPDATE members SET language_code = ${code}
                   WHERE chat_id = ${g.id} AND user_id = ${members[i].user}`;
    }
    await ledger(db.sql, [[g.id, members[0].user, "2026-11-29T12:00:00Z"]]);
  }
  await runJob(report, db.sql, REPORT_SLOT);
  await runJob(report, db.sql, REPORT_SLOT);
  const rows = await db.sql<{ chat_id: string; text: string }[]>`
    SELECT chat_id, text FROM outbox WHERE dedupe_key LIKE 'daily-report:%' ORDER BY chat_id DESC`;
  const said = (text: string) =>
    text.startsWith("📊 Informe diario de G")
      ? "es"
      : text.startsWith("📊 Daily report for G")
      ? "en"
      : text;
  assert.deepEqual(
    rows.map((r) => `${r.chat_id} ${said(r.text)}`),
    GROUPS.map((g) => `${g.id - 100} ${g.is}`),
  );
});

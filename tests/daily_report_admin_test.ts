/** The daily report's summary to the admin chat: its language, a quiet day, its bounds. */
import assert from "node:assert/strict";
import { dailyReportJob } from "../domain/daily_report.ts";
import { testDatabase } from "./db.ts";
import { community, outbox, runJob } from "./fakes/community.ts";
import { ADMIN, busyDay, report, SLOT, ZONE } from "./fakes/report_day.ts";
import { ledger } from "./fakes/report_rows.ts";

const ADMIN_SPANISH = `📊 Informe diario de Warden — domingo, 29 de noviembre de 2026

🗂 3 chats activos
👥 7 miembros activos
💬 12 mensajes
✨ 1.302 XP
⬆️ 3 subidas de nivel
🏅 3 insignias nuevas
🔥 3 rachas mantenidas · 3 rachas rotas

Chats más activos
1. Rust Lovers — 9 mensajes, 5 miembros activos, 18 XP
2. Los Rustáceos — 2 mensajes, 1 miembro activo, 1.234 XP
3. Quiet Corner — 1 mensaje, 1 miembro activo, 50 XP

🚨 2 incidencias abiertas
• streak-expiry: atascada (cerrada)
• level-ups: fallando (sigue abierta)`;

Deno.test("an admin chat set to Spanish (its settings) reads its summary in Spanish", async () => {
  await using db = await testDatabase();
  await busyDay(db.sql);
  await community(db.sql, { id: ADMIN, title: "Admins" }, []);
  await db.sql`UPDATE chats SET language = 'es' WHERE chat_id = ${ADMIN}`;
  await runJob(report, db.sql, SLOT);
  const admin = (await outbox(db.sql)).find((m) => m.chat_id === ADMIN);
  assert.equal(admin?.text, ADMIN_SPANISH);

  // the day before: singular forms, and the incident still open
  await runJob(report, db.sql, "2026-11-29T07:00:00Z");
  const before = (await outbox(db.sql)).find((m) =>
    m.dedupe_key === "daily-report-admin:2026-11-27T23:00:00.000Z/2026-11-28T23:00:00.000Z"
  );
  assert.equal(
    before?.text,
    `📊 Informe diario de Warden — sábado, 28 de noviembre de 2026

🗂 2 chats activos
👥 2 miembros activos
💬 2 mensajes
✨ 901 XP
⬆️ 1 subida de nivel
🏅 0 insignias nuevas
🔥 0 rachas mantenidas · 0 rachas rotas

Chats más activos
1. Rust Lovers — 1 mensaje, 1 miembro activo, 900 XP
2. Silent — 1 mensaje, 1 miembro activo, 1 XP

🚨 1 incidencia abierta
• badge-check: atascada (sigue abierta)`,
  );

  await using quiet = await testDatabase();
  await community(quiet.sql, { id: ADMIN, title: "Admins" }, []);
  await quiet.sql`UPDATE chats SET language = 'es' WHERE chat_id = ${ADMIN}`;
  await runJob(report, quiet.sql, SLOT);
  assert.deepEqual((await outbox(quiet.sql)).map((m) => m.text), [
    `📊 Informe diario de Warden — domingo, 29 de noviembre de 2026

Un día tranquilo: ninguna actividad en ningún chat.

✅ No se abrió ninguna incidencia.`,
  ]);
});

Deno.test("no ADMIN_CHAT_ID and no report chat: nothing is sent; a quiet day still tells the admin", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -100 }, [{ user: 1 }]);
  await ledger(db.sql, [[-100, 1, "2026-11-29T12:00:00Z"]]);
  const r = await runJob(dailyReportJob({ timezone: ZONE }), db.sql, SLOT);
  assert.equal(r.processed, 1);
  assert.equal(r.changed, 0);
  assert.deepEqual(await outbox(db.sql), []);

  await runJob(report, db.sql, "2026-11-29T07:00:00Z"); // reports the 28th: nothing happened
  assert.deepEqual((await outbox(db.sql)).map((m) => m.text), [
    `📊 Warden daily report — Saturday, 28 November 2026

A quiet day: no activity in any chat.

✅ No incidents opened.`,
  ]);
});

Deno.test("the admin report names the ten busiest chats, counts the rest, and stays short", async () => {
  await using db = await testDatabase();
  for (let i = 1; i <= 12; i++) {
    await community(db.sql, { id: -i, title: `${"Long title ".repeat(30)}${i}` }, [{ user: 1 }]);
    await ledger(db.sql, Array.from({ length: i }, () => [-i, 1, "2026-11-29T12:00:00Z"]));
  }
  await db.sql`
    INSERT INTO incidents (job, reason, opened_at)
    SELECT 'job-' || n, 'stale', '2026-11-29T12:00:00Z' FROM generate_series(1, 8) n`;
  await runJob(report, db.sql, SLOT);
  const [admin] = await outbox(db.sql);
  const lines = admin.text.split("\n");
  assert.ok(admin.text.length < 4096, `${admin.text.length} characters`);
  assert.equal(lines.filter((l) => /^\d+\. /.test(l)).length, 10);
  assert.match(admin.text, /\n1\. Long title Long title Long title Long t… — 12 messages,/);
  assert.ok(lines.includes("…and 2 more chats"));
  assert.ok(lines.includes("🚨 8 incidents opened"));
  assert.ok(lines.includes("…and 3 more"));
});

Deno.test("the admin report names every incident reason in words, as the alerts do, and groups its counts", async () => {
  const { adminReportText } = await import("../domain/daily_report_text.ts");
  const day = { start: new Date("2026-11-28T23:00:00Z"), timezone: "Europe/Madrid" };
  const reasons = ["gave-up", "mismatch", "anchor-failed", "stale", "failing", "paused"];
  const shown = reasons.map((reason) => ({ job: "case-closure", reason, open: true }));
  const en = adminReportText([], { total: 1_240, shown }, day, "en");
  assert.deepEqual(en.split("\n").filter((l) => l.startsWith("• ")).map((l) => l.slice(16)), [
    "given up (still open)",
    "commitment mismatch (still open)",
    "anchor failed (still open)",
    "stale (still open)",
    "failing (still open)",
    "paused (still open)",
  ]);
  assert.match(en, /\n🚨 1,240 incidents opened\n/);
  assert.match(en, /\n…and 1,234 more$/);
  const es = adminReportText([], { total: 1_240, shown }, day, "es");
  assert.match(es, /\n…y 1\.234 más$/);
});

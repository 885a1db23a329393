import assert from "node:assert/strict";
import postgres from "postgres";
import { loadSetup } from "../catalog.ts";
import { dailyReportJob } from "../domain/daily_report.ts";
import { testDatabase } from "./db.ts";
import { community, outbox, runJob } from "./fakes/community.ts";
import { ADMIN, busyDay, report, SLOT } from "./fakes/report_day.ts";
import { badge, event, ledger, settings } from "./fakes/report_rows.ts";

const ENGLISH = `📊 Daily report for Rust Lovers
Sunday, 29 November 2026

👥 5 active members
💬 9 messages
✨ 18 XP
⬆️ 1 level-up
🏅 2 new badges
🔥 2 streaks kept · 1 streak broken

🏆 Top members
🥇 Ana — 8 XP
🥇 Bob — 8 XP
🥉 Carl — 1 XP`;

const SPANISH = `📊 Informe diario de Los Rustáceos
domingo, 29 de noviembre de 2026

👥 1 miembro activo
💬 2 mensajes
✨ 1.234 XP
⬆️ 2 subidas de nivel
🏅 1 insignia nueva
🔥 1 racha mantenida · 2 rachas rotas

🏆 Los más activos
🥇 Lucía — 1.234 XP`;

const ADMIN_TEXT = `📊 Warden daily report — Sunday, 29 November 2026

🗂 3 active chats
👥 7 active members
💬 12 messages
✨ 1,302 XP
⬆️ 3 level-ups
🏅 3 new badges
🔥 3 streaks kept · 3 streaks broken

Busiest chats
1. Rust Lovers — 9 messages, 5 active members, 18 XP
2. Los Rustáceos — 2 messages, 1 active member, 1,234 XP
3. Quiet Corner — 1 message, 1 active member, 50 XP

🚨 2 incidents opened
• streak-expiry: stale (closed)
• level-ups: failing (still open)`;

Deno.test("yesterday's report: each report chat in its language, one summary to the admin (no setting: English)", async () => {
  await using db = await testDatabase();
  await busyDay(db.sql);
  const r = await runJob(report, db.sql, SLOT);
  assert.deepEqual(await outbox(db.sql), [
    {
      chat_id: -900,
      text: ENGLISH,
      dedupe_key: "daily-report:-100:2026-11-28T23:00:00.000Z/2026-11-29T23:00:00.000Z",
    },
    {
      chat_id: -901,
      text: SPANISH,
      dedupe_key: "daily-report:-200:2026-11-28T23:00:00.000Z/2026-11-29T23:00:00.000Z",
    },
    {
      chat_id: ADMIN,
      text: ADMIN_TEXT,
      dedupe_key: "daily-report-admin:2026-11-28T23:00:00.000Z/2026-11-29T23:00:00.000Z",
    },
  ]);
  assert.deepEqual(r, {
    processed: 3,
    changed: 3,
    details: { day: "2026-11-29", hours: 24, chats: 3, messages: 3, sent: 3, incidents: 2 },
  });
});

Deno.test("the slot run twice, a later manual run the same day, and two replicas at once send each report once", async () => {
  await using db = await testDatabase();
  await busyDay(db.sql);
  await runJob(report, db.sql, SLOT);
  const first = await outbox(db.sql);
  const again = await runJob(report, db.sql, SLOT);
  const manual = await runJob(report, db.sql, "2026-11-30T21:00:00Z");
  assert.equal(again.changed, 0);
  assert.equal(manual.changed, 0);
  assert.deepEqual(await outbox(db.sql), first);

  await using fresh = await testDatabase();
  await busyDay(fresh.sql);
  const other = postgres(fresh.url, { max: 2, onnotice: () => {} });
  try {
    const runs = await Promise.all([runJob(report, fresh.sql, SLOT), runJob(report, other, SLOT)]);
    assert.equal(runs[0].changed! + runs[1].changed!, 3);
  } finally {
    await other.end();
  }
  const sent = await outbox(fresh.sql);
  assert.deepEqual(sent.map((m) => m.chat_id).sort(), [-901, -900, ADMIN].sort());
  assert.deepEqual(sent, first);
});

/** One of each counted thing at each of four instants; the day is [start, end). */
async function edges(sql: postgres.Sql, instants: string[]) {
  await community(sql, { id: -100, title: "Edges" }, instants.map((_, i) => ({ user: i + 1 })));
  await settings(sql, -100, "en", -900);
  for (const [i, at] of instants.entries()) {
    await ledger(sql, [[-100, i + 1, at]]);
    await event(sql, "level_up", -100, at, [[i + 1, 1, 2]]);
    await event(sql, "streak_broken", -100, at, [[i + 1]]);
    await badge(sql, -100, i + 1, "first", at);
  }
}

const countedTwice =
  /👥 2 active members\n💬 2 messages\n✨ 2 XP\n⬆️ 2 level-ups\n🏅 2 new badges\n🔥 0 streaks kept · 2 streaks broken/;

Deno.test("DST: 29 March 2026 in Madrid is a 23 h day, from 23:00 UTC to 22:00 UTC", async () => {
  await using db = await testDatabase();
  await edges(db.sql, [
    "2026-03-28T22:59:59Z",
    "2026-03-28T23:00:00Z", // 00:00 local on the 29th
    "2026-03-29T21:59:59Z", // 23:59:59 local
    "2026-03-29T22:00:00Z",
  ]);
  const r = await runJob(report, db.sql, "2026-03-30T06:00:00Z"); // 08:00 CEST
  assert.equal(r.details?.day, "2026-03-29");
  const [chat] = await outbox(db.sql);
  assert.match(chat.text, /^📊 Daily report for Edges\nSunday, 29 March 2026\n/);
  assert.match(chat.text, countedTwice);
  assert.equal(r.details?.hours, 23);
  assert.match(chat.text, /🥇 user2 — 1 XP\n🥇 user3 — 1 XP$/);
});

Deno.test("DST: 25 October 2026 in Madrid is a 25 h day, from 22:00 UTC to 23:00 UTC", async () => {
  await using db = await testDatabase();
  await edges(db.sql, [
    "2026-10-24T21:59:59Z",
    "2026-10-24T22:00:00Z", // 00:00 local on the 25th
    "2026-10-25T22:59:59Z", // 23:59:59 local
    "2026-10-25T23:00:00Z",
  ]);
  const r = await runJob(report, db.sql, "2026-10-26T07:00:00Z"); // 08:00 CET
  assert.equal(r.details?.day, "2026-10-25");
  const [chat] = await outbox(db.sql);
  assert.match(chat.text, /^📊 Daily report for Edges\nSunday, 25 October 2026\n/);
  assert.match(chat.text, countedTwice);
  assert.equal(r.details?.hours, 25);
});

Deno.test("JOB_DAILY_REPORT_TIMEZONE moves the report's day with its 08:00, not only its 08:00", async () => {
  await using db = await testDatabase();
  const { specs } = loadSetup({ REPORT_TIMEZONE: "UTC", JOB_DAILY_REPORT_TIMEZONE: "Asia/Tokyo" });
  const job = specs.find((s) => s.name === "daily-report")!;
  assert.equal(job.timezone, "Asia/Tokyo");
  const r = await runJob(job, db.sql, "2026-06-01T23:00:00Z"); // 08:00 on 2 June in Tokyo
  assert.equal(r.details?.day, "2026-06-01", "Tokyo's yesterday, not the UTC one (31 May)");
});

Deno.test("a zone that is not an IANA zone is refused when the job is made", () => {
  assert.throws(
    () => dailyReportJob({ timezone: "Mars/Olympus" }),
    /Cannot define job "daily-report": timezone "Mars\/Olympus"/,
  );
});

Deno.test("a member who said /hide is left off the report's top members", async () => {
  await using db = await testDatabase();
  await busyDay(db.sql);
  await db.sql`UPDATE members SET hidden = true WHERE chat_id = -100 AND user_id = 1`;
  await runJob(report, db.sql, SLOT);
  const [english] = (await outbox(db.sql)).filter((r) => r.chat_id === -900);
  assert.match(english.text, /🏆 Top members\n🥇 Bob — 8 XP\n🥈 Carl — 1 XP\n🥈 Dan — 1 XP$/);
  assert.match(english.text, /👥 5 active members/, "still counted as active");
});

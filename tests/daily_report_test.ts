import assert from "node:assert/strict";
import postgres from "postgres";
import { loadSetup } from "../catalog.ts";
import { dailyReportJob } from "../domain/daily_report.ts";
import { testDatabase } from "./db.ts";
import { community, outbox, runJob } from "./fakes/community.ts";
import { badge, event, ledger, settings, streak } from "./fakes/report_rows.ts";

const ZONE = "Europe/Madrid";
const ADMIN = -500;
/** 08:00 in Madrid on Monday 30 November 2026: reports Sunday the 29th (a 24 h day). */
const SLOT = "2026-11-30T07:00:00Z";
const report = dailyReportJob({ timezone: ZONE, adminChatId: ADMIN });

/** Three active chats (English, Spanish, no setting), one idle, and the day's incidents. */
async function busyDay(sql: postgres.Sql) {
  const day = (t: string) => `2026-11-29T${t}Z`;
  await community(sql, { id: -100, title: "Rust Lovers" }, [
    { user: 1, name: "Ana" },
    { user: 2, name: "Bob" },
    { user: 3, name: "Carl" },
    { user: 4, name: "Dan" },
    { user: 5, name: "Eve" },
    { user: 6, name: "Finn" },
  ]);
  await ledger(sql, [
    ...[1, 2].flatMap((u) =>
      [10, 11, 12].map((m) => [-100, u, day(`10:${m}:00`)] as [number, number, string])
    ),
    [-100, 1, day("10:20:00"), 5, "thanks"],
    [-100, 2, day("10:21:00"), 5, "thanks"],
    [-100, 3, day("11:00:00")],
    [-100, 4, day("11:00:00")],
    [-100, 5, day("11:00:00"), 0], // capped: active, no XP, not in the top
    [-100, 6, "2026-11-28T12:00:00Z", 900], // the day before
    [-100, 6, "2026-11-30T01:00:00Z", 900], // today
  ]);
  await event(sql, "level_up", -100, day("12:00:00"), [[4, 1, 2]]);
  await event(sql, "level_up", -100, "2026-11-28T18:00:00Z", [[1, 2, 3]]);
  await event(sql, "streak_broken", -100, day("00:00:00"), [[6]]);
  await badge(sql, -100, 1, "first", day("13:00:00"));
  await badge(sql, -100, 2, "first", day("13:00:00"));
  await streak(sql, -100, 1, 5);
  await streak(sql, -100, 2, 3);
  await streak(sql, -100, 3, 0);
  await settings(sql, -100, "en", -900);

  await community(sql, { id: -200, title: "Los Rustáceos" }, [
    { user: 11, name: "Lucía" },
    { user: 12, name: "Mateo" },
  ]);
  await ledger(sql, [
    [-200, 11, day("09:00:00")],
    [-200, 11, day("09:30:00")],
    [-200, 11, day("09:40:00"), 1232, "admin"],
  ]);
  await event(sql, "level_up", -200, day("06:00:00"), [[11, 1, 2], [12, 1, 3]]);
  await event(sql, "streak_broken", -200, day("00:00:00"), [[12]]);
  await event(sql, "streak_broken", -200, day("00:00:00"), [[13]]);
  await badge(sql, -200, 11, "first", day("14:00:00"));
  await streak(sql, -200, 11, 7);
  await settings(sql, -200, "es", -901);

  await community(sql, { id: -300, title: "Quiet Corner" }, [{ user: 21, name: "Zoe" }]);
  await ledger(sql, [[-300, 21, day("20:00:00"), 50]]);
  await community(sql, { id: -400, title: "Silent" }, [{ user: 31 }]);
  await ledger(sql, [[-400, 31, "2026-11-28T20:00:00Z"]]);
  await settings(sql, -400, null, -904);

  await sql`
    INSERT INTO incidents (job, reason, detail, opened_at, closed_at) VALUES
      ('level-ups', 'failing', 'x', ${day("03:00:00")}, NULL),
      ('streak-expiry', 'stale', 'x', ${day("02:00:00")}, ${day("04:00:00")}),
      ('badge-check', 'stale', 'x', '2026-11-28T22:59:59Z', NULL)`;
}

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

Deno.test("yesterday's report: each report chat in its language, one English summary to the admin", async () => {
  await using db = await testDatabase();
  await busyDay(db.sql);
  const r = await runJob(report, db.sql, SLOT);
  assert.deepEqual(await outbox(db.sql), [
    { chat_id: -900, text: ENGLISH, dedupe_key: "daily-report:-100:2026-11-29" },
    { chat_id: -901, text: SPANISH, dedupe_key: "daily-report:-200:2026-11-29" },
    { chat_id: ADMIN, text: ADMIN_TEXT, dedupe_key: "daily-report-admin:2026-11-29" },
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

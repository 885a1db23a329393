/** The daily report across a change of `REPORT_TIMEZONE`, and across the upgrade of its key. */
import assert from "node:assert/strict";
import { dailyReportJob } from "../domain/daily_report.ts";
import { testDatabase } from "./db.ts";
import { community, outbox, runJob } from "./fakes/community.ts";
import { ledger, settings } from "./fakes/report_rows.ts";

const ADMIN = -500;
const tokyo = dailyReportJob({ timezone: "Asia/Tokyo", adminChatId: ADMIN });
const losAngeles = dailyReportJob({ timezone: "America/Los_Angeles", adminChatId: ADMIN });

Deno.test("REPORT_TIMEZONE moved from Tokyo to Los Angeles: Los Angeles' 1 June is still reported", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -100, title: "Zones" }, [{ user: 1, name: "Ana" }]);
  await settings(db.sql, -100, "en", -900);
  await ledger(db.sql, [
    [-100, 1, "2026-06-01T03:00:00Z"], // 1 June in Tokyo (12:00), 31 May in Los Angeles
    [-100, 1, "2026-06-01T20:00:00Z"], // 2 June in Tokyo, 1 June in Los Angeles (13:00)
  ]);
  const first = await runJob(tokyo, db.sql, "2026-06-01T23:00:00Z"); // 08:00 on 2 June, Tokyo
  assert.equal(first.details?.day, "2026-06-01");
  assert.equal(first.changed, 2);
  const next = await runJob(losAngeles, db.sql, "2026-06-02T15:00:00Z"); // 08:00 on 2 June, LA
  assert.equal(next.details?.day, "2026-06-01");
  assert.equal(next.changed, 2, "Los Angeles' 1 June is another day than Tokyo's: both are sent");
  const chat = (await outbox(db.sql)).filter((m) => m.chat_id === -900);
  assert.equal(chat.length, 2);
  assert.notEqual(chat[0].dedupe_key, chat[1].dedupe_key);

  // and the same day rerun in its zone sends nothing more
  assert.equal((await runJob(losAngeles, db.sql, "2026-06-02T15:00:00Z")).changed, 0);
  assert.equal((await runJob(tokyo, db.sql, "2026-06-01T23:00:00Z")).changed, 0);
});

Deno.test("upgrade: a report already sent under the old key (the local date) is not sent again", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -100, title: "Zones" }, [{ user: 1, name: "Ana" }]);
  await settings(db.sql, -100, "en", -900);
  await ledger(db.sql, [[-100, 1, "2026-06-01T20:00:00Z"]]);
  // as the old code queued them, at the slot (after the day ended)
  await db.sql`
    INSERT INTO outbox (chat_id, text, dedupe_key, created_at) VALUES
      (-900, 'old report', 'daily-report:-100:2026-06-01', '2026-06-02T15:00:05Z'),
      (${ADMIN}, 'old summary', 'daily-report-admin:2026-06-01', '2026-06-02T15:00:05Z')`;
  const rerun = await runJob(losAngeles, db.sql, "2026-06-02T15:00:00Z");
  assert.equal(rerun.changed, 0);
  assert.equal((await outbox(db.sql)).length, 2);
});

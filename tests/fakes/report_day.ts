/** The daily report's shared day: three active chats, one idle, and the day's incidents. */
import type postgres from "postgres";
import { dailyReportJob } from "../../domain/daily_report.ts";
import { community } from "./community.ts";
import { badge, event, ledger, settings, streak } from "./report_rows.ts";

export const ZONE = "Europe/Madrid";
export const ADMIN = -500;
/** 08:00 in Madrid on Monday 30 November 2026: reports Sunday the 29th (a 24 h day). */
export const SLOT = "2026-11-30T07:00:00Z";
export const report = dailyReportJob({ timezone: ZONE, adminChatId: ADMIN });

/** Three active chats (English, Spanish, no setting), one idle, and the day's incidents. */
export async function busyDay(sql: postgres.Sql) {
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

import type { Sql } from "postgres";
import { defineJob, type JobSpec } from "../actors/job.ts";
import { isZone } from "../actors/zone.ts";
import {
  ADMIN_INCIDENTS_SHOWN,
  adminReportText,
  type ChatDay,
  chatReportText,
  type DayIncident,
} from "./daily_report_text.ts";
import { languageOf } from "./i18n.ts";
import { sqlChatLanguage } from "./job_texts.ts";

export const DAILY_REPORT = "daily-report";

export interface DailyReportOptions {
  /** The zone whose calendar days are reported (`REPORT_TIMEZONE`). */
  timezone: string;
  /** Where the cluster-wide report goes (`ADMIN_CHAT_ID`); none: no admin report. */
  adminChatId?: number;
}

/** The reported day: the local day before the slot's local date, [start, end), 23 to 25 h. */
interface Day {
  day: string;
  start: Date;
  end: Date;
  incidents: number;
  shown: DayIncident[];
}

/**
 * The reported day as its idempotency key: its bounds in UTC, so a change of zone never meets
 * another zone's report of the same date (the local date alone skipped a day, or repeated one).
 *
 * @example
 * period(day); // "2026-05-31T15:00:00.000Z/2026-06-01T15:00:00.000Z" (1 June in Tokyo)
 */
function period(d: { start: Date; end: Date }): string {
  return `${d.start.toISOString()}/${d.end.toISOString()}`;
}

/** The bounds of the day in SQL (so a DST day is 23 or 25 h), and its incidents. */
async function reportDay(db: Sql, at: Date, tz: string): Promise<Day> {
  const [d] = await db<Day[]>`
    WITH t AS (SELECT date_trunc('day', ${at}::timestamptz AT TIME ZONE ${tz}) AS today),
    b AS (
      SELECT to_char(today - interval '1 day', 'YYYY-MM-DD') AS day,
             (today - interval '1 day') AT TIME ZONE ${tz} AS start,
             today AT TIME ZONE ${tz} AS "end"
      FROM t)
    SELECT b.day, b.start, b."end",
           (SELECT count(*)::int FROM incidents i WHERE i.opened_at >= b.start AND i.opened_at < b."end")
             AS incidents,
           coalesce((
             SELECT json_agg(json_build_object('job', i.job, 'reason', i.reason, 'open', i.closed_at IS NULL)
                             ORDER BY i.opened_at, i.id)
             FROM (SELECT * FROM incidents i WHERE i.opened_at >= b.start AND i.opened_at < b."end"
                   ORDER BY i.opened_at, i.id LIMIT ${ADMIN_INCIDENTS_SHOWN}) i), '[]') AS shown
    FROM b`;
  return d;
}

/**
 * One row per chat with any activity in [start, end): ledger rows, level-ups, badges or broken
 * streaks. Set-based: the day's ledger rows are found by `xp_ledger_time` (measured: 200,000
 * rows of a 6-million-row ledger in under 3 s for the whole run) and folded per member then per
 * chat in the database; only the top three are joined to names.
 */
async function chatDays(db: Sql, start: Date, end: Date): Promise<ChatDay[]> {
  const rows = await db<ChatDay[]>`
    WITH per_member AS (
      SELECT l.chat_id, l.user_id,
             count(*) FILTER (WHERE l.reason = 'message') AS messages, sum(l.amount) AS xp
      FROM chats c
      JOIN xp_ledger l ON l.chat_id = c.chat_id AND l.created_at >= ${start} AND l.created_at < ${end}
      GROUP BY l.chat_id, l.user_id
    ), ledger AS (
      SELECT chat_id, count(*) FILTER (WHERE messages > 0) AS active,
             sum(messages) AS messages, sum(xp) AS xp
      FROM per_member GROUP BY chat_id
    ), ranked AS (
      SELECT chat_id, user_id, xp,
             row_number() OVER (PARTITION BY chat_id ORDER BY xp DESC, user_id) AS n,
             rank() OVER (PARTITION BY chat_id ORDER BY xp DESC) AS rank
      FROM per_member p WHERE xp > 0 AND NOT EXISTS (
        -- members who said /hide, and bots, are left off every board, this one included
        SELECT 1 FROM members h
        WHERE h.chat_id = p.chat_id AND h.user_id = p.user_id AND (h.hidden OR h.is_bot))
    ), top AS (
      SELECT r.chat_id,
             json_agg(json_build_object('name', m.display_name, 'xp', r.xp, 'rank', r.rank) ORDER BY r.n)
               AS top
      FROM ranked r JOIN members m ON m.chat_id = r.chat_id AND m.user_id = r.user_id
      WHERE r.n <= 3
      GROUP BY r.chat_id
    ), kept AS (
      -- A streak kept: a member active in the day whose streak is alive at the report.
      SELECT p.chat_id, count(*) AS n
      FROM per_member p JOIN streaks s ON s.chat_id = p.chat_id AND s.user_id = p.user_id
      WHERE p.messages > 0 AND s.current > 0
      GROUP BY p.chat_id
    ), levels AS (
      SELECT chat_id, sum(jsonb_array_length(payload -> 'members')) AS n
      FROM events
      WHERE job = 'level-ups' AND kind = 'level_up' AND slot >= ${start} AND slot < ${end}
      GROUP BY chat_id
    ), broken AS (
      SELECT chat_id, count(*) AS n
      FROM events
      WHERE job = 'streak-expiry' AND kind = 'streak_broken' AND slot >= ${start} AND slot < ${end}
      GROUP BY chat_id
    ), badges AS (
      SELECT chat_id, count(*) AS n
      FROM member_badges WHERE awarded_at >= ${start} AND awarded_at < ${end}
      GROUP BY chat_id
    )
    SELECT c.chat_id AS "chatId", c.title, c.report_chat_id AS "reportChatId",
           -- the language its report is written in (a chat with no report chat has none)
           CASE WHEN c.report_chat_id IS NOT NULL THEN ${db.unsafe(sqlChatLanguage("c"))} END
             AS language,
           coalesce(l.active, 0)::int AS active, coalesce(l.messages, 0)::bigint AS messages,
           coalesce(l.xp, 0)::bigint AS xp, coalesce(lv.n, 0)::bigint AS "levelUps",
           coalesce(bd.n, 0)::int AS badges, coalesce(k.n, 0)::int AS "streaksKept",
           coalesce(br.n, 0)::int AS "streaksBroken", coalesce(t.top, '[]') AS top
    FROM chats c
    LEFT JOIN ledger l ON l.chat_id = c.chat_id
    LEFT JOIN top t ON t.chat_id = c.chat_id
    LEFT JOIN kept k ON k.chat_id = c.chat_id
    LEFT JOIN levels lv ON lv.chat_id = c.chat_id
    LEFT JOIN broken br ON br.chat_id = c.chat_id
    LEFT JOIN badges bd ON bd.chat_id = c.chat_id
    WHERE l.chat_id IS NOT NULL OR lv.chat_id IS NOT NULL OR br.chat_id IS NOT NULL
       OR bd.chat_id IS NOT NULL
    ORDER BY coalesce(l.messages, 0) DESC, coalesce(l.xp, 0) DESC, c.chat_id`;
  // int8 is a number on the runtime's pool; a bare client (a test's replica) gives strings.
  return rows.map((r) => ({
    ...r,
    chatId: Number(r.chatId),
    reportChatId: r.reportChatId === null ? null : Number(r.reportChatId),
    messages: Number(r.messages),
    xp: Number(r.xp),
    levelUps: Number(r.levelUps),
    top: r.top.map((m) => ({ name: m.name, xp: Number(m.xp), rank: Number(m.rank) })),
  }));
}

/**
 * `daily-report` (08:00 in `REPORT_TIMEZONE`; seed 004's daily report). For the local day
 * before the slot's date in `timezone` (23 or 25 h across DST), per chat: active members,
 * messages, XP, level-ups, new badges, top three, streaks kept and broken. Each chat with a
 * report chat gets its report there in its language; the admin chat gets one summary in its
 * own language (the admin chat's /language setting, else English) with the day's incidents ("a
 * quiet day" when nothing happened). One INSERT, keyed by chat and the day's bounds in UTC, so
 * rerunning the slot (or a second replica) sends nothing new, and a new `REPORT_TIMEZONE` neither
 * skips its first day nor repeats one already sent.
 */
export function dailyReportJob(options: DailyReportOptions): JobSpec {
  const tz = options.timezone;
  if (!isZone(tz)) {
    throw new RangeError(
      `Cannot define job "${DAILY_REPORT}": timezone "${tz}" is not an IANA zone like Europe/Madrid`,
    );
  }
  return defineJob({
    name: DAILY_REPORT,
    description:
      "Sends yesterday's activity per chat to its report chat and a summary to the admin",
    schedule: "0 8 * * *",
    timeout: "15m",
    catchUp: { policy: "once" },
    async run(ctx) {
      const d = await reportDay(ctx.db, ctx.scheduledFor, tz);
      const chats = await chatDays(ctx.db, d.start, d.end);
      const day = { start: d.start, timezone: tz };
      const span = period(d);
      const messages = chats.filter((c) => c.reportChatId !== null).map((c) => ({
        chat_id: c.reportChatId,
        text: chatReportText(c, day),
        dedupe_key: `daily-report:${c.chatId}:${span}`,
        legacy_key: `daily-report:${c.chatId}:${d.day}`,
      }));
      if (options.adminChatId !== undefined) {
        const [admin] = await ctx.db<{ language: string | null }[]>`
          SELECT language FROM chats WHERE chat_id = ${options.adminChatId}`;
        const lang = languageOf(admin?.language);
        messages.push({
          chat_id: options.adminChatId,
          text: adminReportText(chats, { total: d.incidents, shown: d.shown }, day, lang),
          dedupe_key: `daily-report-admin:${span}`,
          legacy_key: `daily-report-admin:${d.day}`,
        });
      }
      const sent = messages.length === 0 ? [] : await ctx.db`
        INSERT INTO outbox (chat_id, text, dedupe_key)
        SELECT chat_id, text, dedupe_key
        FROM json_to_recordset(${JSON.stringify(messages.map((m, n) => ({ ...m, n })))}::text::json)
          AS m(chat_id bigint, text text, dedupe_key text, legacy_key text, n int)
        -- queued before the key was the period's: the same report if queued once this day ended
        -- (a report is only ever queued after its day; another zone's same date ended elsewhen)
        WHERE NOT EXISTS (
          SELECT 1 FROM outbox o WHERE o.dedupe_key = m.legacy_key AND o.created_at >= ${d.end})
        ORDER BY m.n
        ON CONFLICT (dedupe_key) DO NOTHING
        RETURNING id`;
      return {
        processed: chats.length,
        changed: sent.length,
        details: {
          day: d.day,
          hours: (d.end.getTime() - d.start.getTime()) / 3_600_000,
          chats: chats.length,
          messages: messages.length,
          sent: sent.length,
          incidents: d.incidents,
        },
      };
    },
  });
}

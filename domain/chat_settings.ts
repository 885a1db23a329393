import type postgres from "postgres";
import { z } from "zod";
import { isZone } from "../actors/zone.ts";
import { LANGUAGES } from "./i18n.ts";

/** A chat's settings as stored; `null` means the default (see `settingsPatch`). */
export interface ChatSettings {
  chat: number;
  language: string | null;
  timeZone: string | null;
  quietHours: { start: string; end: string };
  reportChatId: number | null;
  /** Whether the chat takes part in the dilemma cases (posted there, voted on there). */
  cases: boolean;
}

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "expected a time of day like 23:00");

/**
 * What an admin may change, each field optional; `null` restores the default: the members' own
 * language, the zone `REPORT_TIMEZONE`, no report chat. Quiet hours are local [start, end);
 * start = end means none. Unknown fields are refused by name.
 */
export const settingsPatch = z.strictObject({
  language: z.enum(LANGUAGES).nullable().optional(),
  timeZone: z.string().refine(isZone, "expected an IANA time zone like Europe/Madrid").nullable()
    .optional(),
  quietHours: z.strictObject({ start: clock, end: clock }).optional(),
  reportChatId: z.number().int().refine(Number.isSafeInteger, "expected a Telegram chat id")
    .nullable().optional(),
  cases: z.boolean().optional(),
});
export type SettingsPatch = z.infer<typeof settingsPatch>;

/** The chat's settings, or null for an unknown chat. */
export async function readSettings(sql: postgres.Sql, chat: number): Promise<ChatSettings | null> {
  const [row] = await sql<
    {
      language: string | null;
      zone: string | null;
      qs: string;
      qe: string;
      report: string | null;
      cases: boolean;
    }[]
  >`
    SELECT language, time_zone AS zone, to_char(quiet_start, 'HH24:MI') AS qs,
           to_char(quiet_end, 'HH24:MI') AS qe, report_chat_id::text AS report,
           cases_enabled AS cases
    FROM chats WHERE chat_id = ${chat}`;
  if (!row) return null;
  return {
    chat,
    language: row.language,
    timeZone: row.zone,
    quietHours: { start: row.qs, end: row.qe },
    reportChatId: row.report === null ? null : Number(row.report),
    cases: row.cases,
  };
}

/** A zone the database cannot read (Intl and PostgreSQL's tz data differ at the edges). */
export class UnknownZoneError extends Error {}

/** Applies `patch` in one statement; returns the new settings, or null for an unknown chat. */
export async function updateSettings(
  sql: postgres.Sql,
  chat: number,
  patch: SettingsPatch,
): Promise<ChatSettings | null> {
  if (patch.timeZone) {
    try {
      await sql`SELECT now() AT TIME ZONE ${patch.timeZone}`;
    } catch {
      throw new UnknownZoneError(
        `timeZone ${JSON.stringify(patch.timeZone)}: unknown to the database`,
      );
    }
  }
  const has = (key: keyof SettingsPatch) => patch[key] !== undefined;
  const updated = await sql`
    UPDATE chats SET
      language = CASE WHEN ${has("language")} THEN ${
    patch.language ?? null
  }::text ELSE language END,
      time_zone = CASE WHEN ${has("timeZone")} THEN ${
    patch.timeZone ?? null
  }::text ELSE time_zone END,
      quiet_start = coalesce(${patch.quietHours?.start ?? null}::time, quiet_start),
      quiet_end = coalesce(${patch.quietHours?.end ?? null}::time, quiet_end),
      report_chat_id = CASE WHEN ${has("reportChatId")} THEN ${patch.reportChatId ?? null}::bigint
                       ELSE report_chat_id END,
      cases_enabled = coalesce(${patch.cases ?? null}::boolean, cases_enabled)
    WHERE chat_id = ${chat}`;
  return updated.count === 0 ? null : await readSettings(sql, chat);
}

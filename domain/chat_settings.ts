import type postgres from "postgres";
import { z } from "zod";
import { isZone, zoneName } from "../actors/zone.ts";
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
  /** Scales every XP award of a message in the chat (0 to 10, two decimals; default 1). */
  xpMultiplier: number;
  /** Forum topics (`message_thread_id`) whose messages pay no XP (default none). */
  noXpTopics: number[];
  /** How level-ups are announced: a group digest plus private messages, private only, or off. */
  levelUpAnnouncements: LevelUpAnnouncements;
}

export const LEVEL_UP_ANNOUNCEMENTS = ["group", "private", "off"] as const;
export type LevelUpAnnouncements = typeof LEVEL_UP_ANNOUNCEMENTS[number];

/** At most this many no-XP topics per chat. */
export const MAX_NO_XP_TOPICS = 100;

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "expected a time of day like 23:00");

/**
 * What an admin may change, each field optional; `null` restores the default: the members' own
 * language, the zone `REPORT_TIMEZONE`, no report chat. Quiet hours are local [start, end);
 * start = end means none. `xpMultiplier` (0 to 10, at most 2 decimals), `noXpTopics` (forum topic
 * ids, unique, at most 100) and `levelUpAnnouncements` are not nullable: send the default (1, [],
 * "group") to restore it. Unknown fields are refused by name.
 */
export const settingsPatch = z.strictObject({
  language: z.enum(LANGUAGES).nullable().optional(),
  timeZone: z.string().refine(isZone, {
    error: (i) => `expected an IANA time zone like Europe/Madrid, got ${JSON.stringify(i.input)}`,
  })
    .transform(zoneName).nullable().optional(),
  quietHours: z.strictObject({ start: clock, end: clock }).optional(),
  reportChatId: z.number().int()
    .refine((id) => Number.isSafeInteger(id) && id !== 0, "expected a Telegram chat id")
    .nullable().optional(),
  cases: z.boolean().optional(),
  xpMultiplier: z.number().min(0).max(10)
    // exact: 1.15 is the double nearest 1.15, so it prints back as 1.15; 1e-9 prints as 0.00
    .refine((x) => Number(x.toFixed(2)) === x, "expected at most 2 decimals")
    .optional(),
  noXpTopics: z.array(z.number().int().positive().max(2147483647)).max(MAX_NO_XP_TOPICS)
    .refine((ids) => new Set(ids).size === ids.length, "expected each topic id once")
    .optional(),
  levelUpAnnouncements: z.enum(LEVEL_UP_ANNOUNCEMENTS).optional(),
});
export type SettingsPatch = z.infer<typeof settingsPatch>;

/** A plain connection or a transaction: the settings statements run on either. */
type Sql = postgres.Sql | postgres.TransactionSql;

/** A `chats` row as `columns` reads it. */
interface SettingsRow {
  language: string | null;
  zone: string | null;
  qs: string;
  qe: string;
  report: string | null;
  cases: boolean;
  multiplier: number;
  topics: string;
  announce: LevelUpAnnouncements;
}

/** The settings columns of `chats`, for a `SELECT` and an `UPDATE … RETURNING` alike. */
const columns = (sql: Sql) =>
  sql`language, time_zone AS zone, to_char(quiet_start, 'HH24:MI') AS qs,
      to_char(quiet_end, 'HH24:MI') AS qe, report_chat_id::text AS report,
      cases_enabled AS cases, xp_multiplier::float8 AS multiplier,
      array_to_json(no_xp_topics)::text AS topics, level_up_announcements AS announce`;

function settingsOf(chat: number, row: SettingsRow): ChatSettings {
  return {
    chat,
    language: row.language,
    timeZone: row.zone,
    quietHours: { start: row.qs, end: row.qe },
    reportChatId: row.report === null ? null : Number(row.report),
    cases: row.cases,
    xpMultiplier: Number(row.multiplier),
    noXpTopics: JSON.parse(row.topics),
    levelUpAnnouncements: row.announce,
  };
}

/** The chat's settings, or null for an unknown chat. */
export async function readSettings(sql: postgres.Sql, chat: number): Promise<ChatSettings | null> {
  const [row] = await sql<SettingsRow[]>`
    SELECT ${columns(sql)} FROM chats WHERE chat_id = ${chat}`;
  return row ? settingsOf(chat, row) : null;
}

/** A zone the database cannot read (Intl and PostgreSQL's tz data differ at the edges). */
export class UnknownZoneError extends Error {}

/**
 * Applies `patch` in one statement; returns the settings as that statement left the row (what it
 * wrote, the rest as it found them: never a change committed after it), or null for an unknown
 * chat.
 */
export async function updateSettings(
  sql: Sql,
  chat: number,
  patch: SettingsPatch,
): Promise<ChatSettings | null> {
  if (patch.timeZone) {
    // By name, not `AT TIME ZONE`, which also takes abbreviations: PST there is a fixed -08:00.
    const [listed] = await sql`
      SELECT 1 FROM pg_timezone_names WHERE lower(name) = lower(${patch.timeZone}) LIMIT 1`;
    if (!listed) {
      throw new UnknownZoneError(
        `timeZone ${JSON.stringify(patch.timeZone)}: not a time zone the database lists`,
      );
    }
  }
  const has = (key: keyof SettingsPatch) => patch[key] !== undefined;
  const [updated] = await sql<SettingsRow[]>`
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
      cases_enabled = coalesce(${patch.cases ?? null}::boolean, cases_enabled),
      xp_multiplier = coalesce(${patch.xpMultiplier ?? null}::numeric, xp_multiplier),
      no_xp_topics = CASE WHEN ${has("noXpTopics")} THEN ${patch.noXpTopics ?? []}::int[]
                     ELSE no_xp_topics END,
      level_up_announcements = coalesce(${patch.levelUpAnnouncements ?? null}::text,
                                        level_up_announcements)
    WHERE chat_id = ${chat}
    RETURNING ${columns(sql)}`;
  return updated ? settingsOf(chat, updated) : null;
}

/**
 * Puts forum topic `topic` in the chat's no-XP list (`noXp`) or takes it out, relative to the
 * list as the row has it when this one statement writes (a concurrent change to another topic is
 * kept); already so is no change. Returns the settings as it left the row, or null for an unknown
 * chat or a list already at `MAX_NO_XP_TOPICS`.
 */
export async function setNoXpTopic(
  sql: Sql,
  chat: number,
  topic: number,
  noXp: boolean,
): Promise<ChatSettings | null> {
  const [updated] = await sql<SettingsRow[]>`
    UPDATE chats SET no_xp_topics = CASE
      WHEN NOT ${noXp} THEN array_remove(no_xp_topics, ${topic}::int)
      WHEN ${topic}::int = ANY(no_xp_topics) THEN no_xp_topics
      ELSE array_append(no_xp_topics, ${topic}::int) END
    WHERE chat_id = ${chat} AND (NOT ${noXp} OR ${topic}::int = ANY(no_xp_topics)
                                 OR cardinality(no_xp_topics) < ${MAX_NO_XP_TOPICS})
    RETURNING ${columns(sql)}`;
  return updated ? settingsOf(chat, updated) : null;
}

/** A change an admin asks for: plain values to set, or one forum topic in or out of the list. */
export type SettingsChange = { patch: SettingsPatch } | { topic: number; noXp: boolean };

/**
 * Applies `change` for `author` and writes its `admin_actions` rows (action `settings`, one per
 * field: `{ field, value }`, a topic toggle's value the whole list as its statement left it) in
 * one transaction: a change is never stored without its audit. The new settings, or null when
 * nothing changed (an unknown chat, a topic list already at its limit), with nothing audited.
 */
export async function changeSettings(
  sql: postgres.Sql,
  chat: number,
  author: string,
  change: SettingsChange,
): Promise<ChatSettings | null> {
  return await sql.begin(async (tx) => {
    const updated = "patch" in change
      ? await updateSettings(tx, chat, change.patch)
      : await setNoXpTopic(tx, chat, change.topic, change.noXp);
    if (!updated) return null;
    const fields = "patch" in change
      ? Object.entries(change.patch).filter(([, value]) => value !== undefined)
      : [["noXpTopics", updated.noXpTopics]];
    const details = fields.map(([field, value]) => JSON.stringify({ field, value }));
    await tx`
      INSERT INTO admin_actions (author, action, chat_id, detail)
      SELECT ${author}, 'settings', ${chat}, d::jsonb
      FROM unnest(${details}::text[]) WITH ORDINALITY AS a(d, i) ORDER BY i`;
    return updated;
  });
}

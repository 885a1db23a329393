/**
 * `/settings` in a group: the chat's settings as a message with inline buttons, one press one
 * change (`set:<field>:<value>`), each press checked for admin again, applied and audited in
 * `admin_actions` in one transaction (`changeSettings`) and shown by editing the message in place.
 * Free-form values (any time zone, a report chat other than this one) are the API's: PATCH
 * /api/chats/:chat/settings.
 */
import { type Context, InlineKeyboard } from "grammy";
import type postgres from "postgres";
import {
  changeSettings,
  type ChatSettings,
  type SettingsChange,
  settingsPatch,
} from "../domain/chat_settings.ts";
import type { Language } from "../domain/i18n.ts";
import { t } from "../domain/messages.ts";

export const MULTIPLIERS = [0.5, 1, 1.5, 2] as const;
/** Quiet-hour presets, local [start, end); "none" is start = end. */
export const QUIET_PRESETS: Record<string, { start: string; end: string }> = {
  "none": { start: "00:00", end: "00:00" },
  "22-08": { start: "22:00", end: "08:00" },
  "23-07": { start: "23:00", end: "07:00" },
  "00-06": { start: "00:00", end: "06:00" },
};
export const ZONES = [
  "UTC",
  "Europe/London",
  "Europe/Madrid",
  "America/New_York",
  "America/Mexico_City",
  "America/Bogota",
  "America/Argentina/Buenos_Aires",
] as const;

/** A pressed button's field and value, as in its callback data `set:<field>:<value>`. */
export const SETTINGS_BUTTON = /^set:(lang|lvl|mult|cases|quiet|tz|report|topic):(.{1,48})$/;

/** The forum topic a message is in (`/settings` there offers "no XP in this topic"). */
export { topicOf } from "../domain/xp_rules.ts";

/** Makes sure the chat has its row (a `/settings` may come before any message was seen). */
export async function ensureChat(
  sql: postgres.Sql,
  chat: { id: number; type: string; title?: string },
) {
  await sql`INSERT INTO chats (chat_id, title, kind) VALUES (${chat.id}, ${chat.title ?? ""}, ${
    chat.type === "supergroup" ? "supergroup" : "group"
  }) ON CONFLICT (chat_id) DO NOTHING`;
}

const quietKey = (q: ChatSettings["quietHours"]) =>
  q.start === q.end
    ? "none"
    : Object.keys(QUIET_PRESETS).find((k) =>
      QUIET_PRESETS[k].start === q.start && QUIET_PRESETS[k].end === q.end
    );

/** The settings message: its text and keyboard, in `lang`; `topic` adds the topic's toggle. */
export function settingsView(
  lang: Language,
  s: ChatSettings,
  title: string,
  topic?: number,
): { text: string; reply_markup: InlineKeyboard } {
  const tr = (id: string, args?: Record<string, string | number>) => t(lang, id, args);
  const quiet = s.quietHours.start === s.quietHours.end
    ? "none"
    : `${s.quietHours.start}–${s.quietHours.end}`;
  const topicOff = topic !== undefined && s.noXpTopics.includes(topic);
  // A zone of the buttons by the buttons' name ("Buenos Aires"); another as its IANA name.
  const zone = s.timeZone === null
    ? "default"
    : (ZONES as readonly string[]).includes(s.timeZone)
    ? tr(`zone-${s.timeZone.replaceAll("/", "-")}`)
    : s.timeZone.replaceAll("_", " ");
  const lines = [
    tr("settings-title", { chat: title }),
    "",
    tr("settings-language", { value: s.language ?? "auto" }),
    tr("settings-levelups", { value: s.levelUpAnnouncements }),
    tr("settings-multiplier", { value: s.xpMultiplier }),
    tr("settings-cases", { value: s.cases ? "on" : "off" }),
    tr("settings-quiet", { value: quiet }),
    tr("settings-zone", { value: zone }),
    tr("settings-report", {
      value: s.reportChatId === null
        ? "none"
        : s.reportChatId === s.chat
        ? "here"
        : String(s.reportChatId),
    }),
    ...(topic === undefined ? [] : [tr("settings-topic", { value: topicOff ? "off" : "on" })]),
    "",
    tr("settings-help"),
  ];
  const mark = (label: string, on: boolean) => on ? `${label} ✓` : label;
  const kb = new InlineKeyboard();
  const row = (buttons: Array<[string, string, boolean]>) => {
    for (const [label, data, on] of buttons) kb.text(mark(label, on), `set:${data}`);
    kb.row();
  };
  row([
    [tr("settings-btn-lang-auto"), "lang:auto", s.language === null],
    ["🌐 English", "lang:en", s.language === "en"],
    ["🌐 Español", "lang:es", s.language === "es"],
  ]);
  row((["group", "private", "off"] as const).map((v) => [
    tr(`settings-btn-levelups-${v}`),
    `lvl:${v}`,
    s.levelUpAnnouncements === v,
  ]));
  row(MULTIPLIERS.map((m) => [
    tr("settings-btn-multiplier", { value: m }),
    `mult:${m}`,
    s.xpMultiplier === m,
  ]));
  row([[
    tr(s.cases ? "settings-btn-cases-off" : "settings-btn-cases-on"),
    `cases:${s.cases ? "off" : "on"}`,
    false,
  ]]);
  const q = quietKey(s.quietHours);
  row(
    Object.keys(QUIET_PRESETS).map((k) => [
      k === "none" ? tr("settings-btn-quiet-none") : `🌙 ${k.replace("-", "–")}`,
      `quiet:${k}`,
      q === k,
    ]),
  );
  const zones: Array<[string, string, boolean]> = [
    [tr("settings-btn-zone-default"), "tz:default", s.timeZone === null],
    ...ZONES.map((z): [string, string, boolean] => [
      `🕒 ${tr(`zone-${z.replaceAll("/", "-")}`)}`,
      `tz:${z}`,
      s.timeZone === z,
    ]),
  ];
  row(zones.slice(0, 4));
  row(zones.slice(4));
  row([
    [tr("settings-btn-report-here"), "report:here", s.reportChatId === s.chat],
    [tr("settings-btn-report-none"), "report:none", s.reportChatId === null],
  ]);
  if (topic !== undefined) {
    row([[
      tr(topicOff ? "settings-btn-topic-on" : "settings-btn-topic-off"),
      `topic:${topic}:${topicOff ? "on" : "off"}`,
      false,
    ]]);
  }
  return { text: lines.join("\n"), reply_markup: kb };
}

/** The change a button asks for in `chat`, validated; null for a value no button offers. */
export function changeFor(field: string, value: string, chat: number): SettingsChange | null {
  let patch: unknown = null;
  if (field === "lang") patch = { language: value === "auto" ? null : value };
  if (field === "lvl") patch = { levelUpAnnouncements: value };
  if (field === "mult" && MULTIPLIERS.includes(Number(value) as never)) {
    patch = { xpMultiplier: Number(value) };
  }
  if (field === "cases" && (value === "on" || value === "off")) patch = { cases: value === "on" };
  if (field === "quiet" && Object.hasOwn(QUIET_PRESETS, value)) {
    patch = { quietHours: QUIET_PRESETS[value] };
  }
  if (field === "tz" && (value === "default" || (ZONES as readonly string[]).includes(value))) {
    patch = { timeZone: value === "default" ? null : value };
  }
  if (field === "report" && (value === "here" || value === "none")) {
    patch = { reportChatId: value === "here" ? chat : null };
  }
  const topic = field === "topic" ? value.match(/^(\d{1,10}):(on|off)$/) : null;
  if (topic) {
    // The id checked as a PATCH checks one; the list's own limits are the statement's.
    const id = Number(topic[1]);
    const valid = settingsPatch.safeParse({ noXpTopics: [id] }).success;
    return valid ? { topic: id, noXp: topic[2] === "off" } : null;
  }
  const parsed = settingsPatch.safeParse(patch);
  return patch !== null && parsed.success ? { patch: parsed.data } : null;
}

/**
 * Applies a pressed button for `author`, audited in the same transaction; the new settings, or
 * null if refused. A topic toggle adds or removes that one topic in the row's list as it is when
 * written, so two admins toggling two topics at once both count.
 */
export async function applyButton(
  sql: postgres.Sql,
  chat: number,
  author: string,
  field: string,
  value: string,
): Promise<ChatSettings | null> {
  const change = changeFor(field, value, chat);
  return change ? await changeSettings(sql, chat, author, change) : null;
}

/** Edits the settings message to `view`; "message is not modified" (same state) is fine. */
export async function showView(ctx: Context, view: ReturnType<typeof settingsView>) {
  try {
    await ctx.editMessageText(view.text, { reply_markup: view.reply_markup });
  } catch (error) {
    if (!String((error as Error).message).includes("message is not modified")) throw error;
  }
}

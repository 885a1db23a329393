import { type Language, languageOf, longDate, number, plural } from "./i18n.ts";

/** One member of a chat's top three: `rank` is shared by equal XP (1, 1, 3). */
export interface TopMember {
  name: string;
  xp: number;
  rank: number;
}

/** A chat's reported day, as the report statement returns it (one row per active chat). */
export interface ChatDay {
  chatId: number;
  title: string;
  language: string | null;
  reportChatId: number | null;
  /** Distinct members with a `message` ledger row in the day. */
  active: number;
  messages: number;
  /** The sum of every ledger amount in the day (messages, thanks, badge bonuses, admin moves). */
  xp: number;
  levelUps: number;
  badges: number;
  streaksKept: number;
  streaksBroken: number;
  /** At most three, XP descending then user id; members with positive XP only. */
  top: TopMember[];
}

/** An incident opened in the reported day (cluster-wide), as the admin report lists it. */
export interface DayIncident {
  job: string;
  reason: string;
  open: boolean;
}

/** The day reported: its local start (a `Date`) and the zone it is local to. */
export interface ReportDay {
  start: Date;
  timezone: string;
}

/** The busiest chats the admin report names; the rest are counted. */
export const ADMIN_CHATS_SHOWN = 10;
/** The incidents the admin report names; the rest are counted. */
export const ADMIN_INCIDENTS_SHOWN = 5;
/** Titles and names are cut to this many characters, so a message stays far below 4,096. */
const NAME_MAX = 40;

const MEDALS = ["🥇", "🥈", "🥉"];

/** A title or a display name, cut to `NAME_MAX` characters (by code point). */
function short(text: string, fallback: string): string {
  const chars = [...(text.trim() || fallback)];
  return chars.length > NAME_MAX ? chars.slice(0, NAME_MAX - 1).join("") + "…" : chars.join("");
}

const words = {
  en: {
    title: (t: string) => `📊 Daily report for ${t}`,
    active: { one: "active member", other: "active members" },
    messages: { one: "message", other: "messages" },
    levelUps: { one: "level-up", other: "level-ups" },
    badges: { one: "new badge", other: "new badges" },
    kept: { one: "streak kept", other: "streaks kept" },
    broken: { one: "streak broken", other: "streaks broken" },
    top: "🏆 Top members",
    group: "your group",
  },
  es: {
    title: (t: string) => `📊 Informe diario de ${t}`,
    active: { one: "miembro activo", other: "miembros activos" },
    messages: { one: "mensaje", other: "mensajes" },
    levelUps: { one: "subida de nivel", other: "subidas de nivel" },
    badges: { one: "insignia nueva", other: "insignias nuevas" },
    kept: { one: "racha mantenida", other: "rachas mantenidas" },
    broken: { one: "racha rota", other: "rachas rotas" },
    top: "🏆 Los más activos",
    group: "tu grupo",
  },
} as const;

/** The activity lines every report shares, in `lang`. */
function activityLines(lang: Language, d: Omit<ChatDay, "chatId" | "title" | "top">): string[] {
  const w = words[lang];
  return [
    `👥 ${plural(lang, d.active, w.active)}`,
    `💬 ${plural(lang, d.messages, w.messages)}`,
    `✨ ${number(lang, d.xp)} XP`,
    `⬆️ ${plural(lang, d.levelUps, w.levelUps)}`,
    `🏅 ${plural(lang, d.badges, w.badges)}`,
    `🔥 ${plural(lang, d.streaksKept, w.kept)} · ${plural(lang, d.streaksBroken, w.broken)}`,
  ];
}

/**
 * A chat's own report, in the chat's language (else English):
 * "📊 Daily report for Rust Lovers\nSunday, 29 November 2026\n\n👥 2 active members\n…".
 */
export function chatReportText(d: ChatDay, day: ReportDay): string {
  const lang = languageOf(d.language);
  const w = words[lang];
  const lines = [
    w.title(short(d.title, w.group)),
    longDate(lang, day.start, day.timezone),
    "",
    ...activityLines(lang, d),
  ];
  if (d.top.length > 0) {
    lines.push("", w.top);
    for (const m of d.top) {
      lines.push(
        `${MEDALS[m.rank - 1] ?? `${m.rank}.`} ${short(m.name, "?")} — ${number(lang, m.xp)} XP`,
      );
    }
  }
  return lines.join("\n");
}

const adminWords = {
  en: {
    title: "📊 Warden daily report",
    quiet: "A quiet day: no activity in any chat.",
    chats: { one: "active chat", other: "active chats" },
    busiest: "Busiest chats",
    moreChats: (n: string) => `…and ${n}`,
    moreChat: { one: "more chat", other: "more chats" },
    none: "✅ No incidents opened.",
    opened: { one: "incident opened", other: "incidents opened" },
    open: "still open",
    closed: "closed",
    more: (n: string) => `…and ${n} more`,
    // as the alerts say them (locales/en/alerts.ftl); stale, failing and paused read as they are
    reasons: {
      "gave-up": "given up",
      "mismatch": "commitment mismatch",
      "anchor-failed": "anchor failed",
    } as Record<string, string>,
  },
  es: {
    title: "📊 Informe diario de Warden",
    quiet: "Un día tranquilo: ninguna actividad en ningún chat.",
    chats: { one: "chat activo", other: "chats activos" },
    busiest: "Chats más activos",
    moreChats: (n: string) => `…y ${n}`,
    moreChat: { one: "chat más", other: "chats más" },
    none: "✅ No se abrió ninguna incidencia.",
    opened: { one: "incidencia abierta", other: "incidencias abiertas" },
    open: "sigue abierta",
    closed: "cerrada",
    more: (n: string) => `…y ${n} más`,
    reasons: {
      "stale": "atascada",
      "failing": "fallando",
      "paused": "en pausa",
      "gave-up": "abandonada tras fallos repetidos",
      "mismatch": "el compromiso no coincide",
      "anchor-failed": "anclaje fallido",
    } as Record<string, string>,
  },
} as const;

/**
 * The admin's one message, in the admin chat's language (else English): cluster totals, the
 * `ADMIN_CHATS_SHOWN` busiest chats (messages, then XP, then chat id), the incidents opened that
 * day (their reason in the language; the stored detail is not shown). A day with no activity
 * anywhere still gets a short "quiet day" message, so the admin sees the report ran.
 * Bounded: at most ~2,000 characters whatever the number of chats or incidents.
 */
export function adminReportText(
  chats: readonly ChatDay[],
  incidents: { total: number; shown: readonly DayIncident[] },
  day: ReportDay,
  lang: Language = "en",
): string {
  const a = adminWords[lang], w = words[lang];
  const lines = [`${a.title} — ${longDate(lang, day.start, day.timezone)}`, ""];
  if (chats.length === 0) {
    lines.push(a.quiet);
  } else {
    const sum = (f: (c: ChatDay) => number) => chats.reduce((n, c) => n + f(c), 0);
    lines.push(
      `🗂 ${plural(lang, chats.length, a.chats)}`,
      ...activityLines(lang, {
        language: null,
        reportChatId: null,
        active: sum((c) => c.active),
        messages: sum((c) => c.messages),
        xp: sum((c) => c.xp),
        levelUps: sum((c) => c.levelUps),
        badges: sum((c) => c.badges),
        streaksKept: sum((c) => c.streaksKept),
        streaksBroken: sum((c) => c.streaksBroken),
      }),
      "",
      a.busiest,
    );
    for (const [i, c] of chats.slice(0, ADMIN_CHATS_SHOWN).entries()) {
      lines.push(
        `${i + 1}. ${short(c.title, String(c.chatId))} — ${plural(lang, c.messages, w.messages)}, ${
          plural(lang, c.active, w.active)
        }, ${number(lang, c.xp)} XP`,
      );
    }
    const more = chats.length - ADMIN_CHATS_SHOWN;
    if (more > 0) lines.push(a.moreChats(plural(lang, more, a.moreChat)));
  }
  lines.push("");
  if (incidents.total === 0) {
    lines.push(a.none);
  } else {
    lines.push(`🚨 ${plural(lang, incidents.total, a.opened)}`);
    for (const i of incidents.shown) {
      lines.push(`• ${i.job}: ${a.reasons[i.reason] ?? i.reason} (${i.open ? a.open : a.closed})`);
    }
    const more = incidents.total - incidents.shown.length;
    if (more > 0) lines.push(a.more(number(lang, more)));
  }
  return lines.join("\n");
}

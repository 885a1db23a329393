/**
 * The member commands' answers as text, in the member's language (locales/<lang>/bot.ftl):
 * numbers grouped, plurals by the language's rules, times as "in 3 h", never a timestamp.
 */
import type { badgeProgress } from "../domain/badges.ts";
import type { BoardEntry, Period } from "../domain/boards.ts";
import { duration, type Language, percent } from "../domain/i18n.ts";
import { t } from "../domain/messages.ts";
import { badgeProgressText, badgeText, localLevelName } from "../domain/progress_names.ts";
import type { MemberProfile } from "../domain/profile.ts";

/** A progress bar like `▰▰▰▱▱▱▱▱▱▱ 30%` (`30 %` in Spanish). */
export function progressBar(fraction: number, lang: Language = "en", width = 10): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return `${"▰".repeat(full)}${"▱".repeat(width - full)} ${percent(lang, f)}`;
}

const MEDALS = ["🥇", "🥈", "🥉"];

export function profileText(lang: Language, p: MemberProfile, chatTitle?: string): string {
  const rank = (r: number | null) =>
    r === null ? t(lang, "profile-unranked") : t(lang, "profile-rank", { rank: r });
  return [
    t(lang, "profile-head", {
      name: p.name || (p.username ? `@${p.username}` : String(p.userId)),
    }) +
    (p.username && p.name ? ` (@${p.username})` : "") +
    (chatTitle ? ` · ${t(lang, "profile-in", { chat: chatTitle })}` : ""),
    t(lang, "profile-level", {
      level: p.level,
      levelName: p.levelName === null ? "none" : localLevelName(lang, p.level, p.levelName),
      xp: p.xp,
    }),
    p.nextLevelXp === null
      ? t(lang, "profile-top")
      // past the threshold until level-ups (every 6 h) raises the level: reached, not "0 XP to"
      : t(lang, p.xp >= p.nextLevelXp ? "profile-next-reached" : "profile-next", {
        bar: progressBar(p.progress, lang),
        missing: p.nextLevelXp - p.xp,
        next: p.level + 1,
      }),
    t(lang, "profile-activity", {
      messages: t(lang, "messages", { n: p.counters.messages }),
      links: p.counters.links,
      thanks: p.counters.thanksReceived,
    }),
    t(lang, "profile-streak", {
      days: t(lang, "days", { n: p.streak.current }),
      best: p.streak.best,
      protections: p.streak.protections,
    }),
    t(lang, "profile-lives", { current: p.lives.current, max: p.lives.max }),
    t(lang, "profile-ranks", { all: rank(p.rank.all), week: rank(p.rank.week) }),
    t(lang, "profile-badges", { n: p.badges }),
  ].join("\n");
}

/**
 * A board as a message: medals for the podium, the caller's place below the top, and how fresh
 * it is (live, or computed some time ago).
 */
export function boardText(
  lang: Language,
  o: {
    period: Period;
    entries: BoardEntry[];
    userId: number;
    you: { rank: number; score: number } | null;
    size: number;
    /** null: read live (the balances, or the ledger while the cache is last period's). */
    computedAgoMs: number | null;
    /** The caller left the boards (`/hide`): said instead of "not on this board yet". */
    hidden?: boolean;
  },
): string {
  const hidden = o.hidden ? t(lang, "board-you-hidden") : null;
  if (o.entries.length === 0) {
    return [t(lang, "board-empty", { period: o.period }), ...(hidden ? [hidden] : [])].join("\n");
  }
  const top = o.entries.slice(0, o.size);
  const fresh = o.computedAgoMs === null
    ? t(lang, "board-live")
    : t(lang, "board-computed", { ago: duration(lang, o.computedAgoMs) });
  const lines = [
    `${t(lang, "board-title", { period: o.period })} ${fresh}`,
    ...top.map((e) =>
      t(lang, "board-line", {
        place: MEDALS[e.rank - 1] ?? `${e.rank}.`,
        name: e.name || String(e.userId),
        score: e.score,
      })
    ),
  ];
  if (!top.some((e) => e.userId === o.userId)) {
    lines.push(
      o.you ? `…\n${t(lang, "board-you", o.you)}` : hidden ?? t(lang, "board-you-none"),
    );
  }
  return lines.join("\n");
}

/** `/badges`: what the member earned, then progress toward the rest. */
export function badgesText(
  lang: Language,
  name: string,
  progress: NonNullable<Awaited<ReturnType<typeof badgeProgress>>>,
): string {
  const earned = progress.badges.filter((b) => b.earned);
  const rest = progress.badges.filter((b) => !b.earned);
  return [
    t(lang, "badges-head", { name, earned: progress.earned, total: progress.total }),
    ...(earned.length
      ? [earned.map((b) => `${b.emoji} ${badgeText(lang, b.id, b.name)}`).join(" · ")]
      : []),
    ...(rest.length
      ? [
        t(lang, "badges-next"),
        ...rest.map((b) =>
          `${b.emoji} ${badgeText(lang, b.id, b.name)} — ${
            badgeProgressText(b.count, b.threshold, badgeText(lang, b.id, b.unit, "unit"))
          }`
        ),
      ]
      : []),
  ].join("\n");
}

export function streakText(
  lang: Language,
  s: { current: number; best: number; protections: number; leftMs: number } | null,
): string {
  if (!s || s.current === 0) return t(lang, "streak-none");
  return [
    t(lang, "streak-now", { n: s.current, days: t(lang, "days", { n: s.current }), best: s.best }),
    t(lang, "streak-keep", { left: duration(lang, s.leftMs) }),
    t(lang, "streak-protections", { protections: s.protections }),
  ].join("\n");
}

export function livesText(
  lang: Language,
  l: { current: number; max: number; nextInMs: number | null; periodMs: number },
): string {
  return [
    t(lang, "lives-now", { current: l.current, max: l.max }),
    l.nextInMs === null ? t(lang, "lives-full") : t(lang, "lives-next", {
      in: duration(lang, l.nextInMs),
    }),
    t(lang, "lives-explain", { period: duration(lang, l.periodMs) }),
  ].join("\n");
}

/** The texts of the boards' jobs: a closed period's name and its podium announcement. */
import type { Language } from "./i18n.ts";
import { DIGEST_NAMES, sqlLanguage, sqlLiteral, sqlMessage, sqlName } from "./job_texts.ts";

/** "the week of 26 October 2026" / "la semana del 26 de octubre de 2026", "October 2026" / … */
export function periodLabel(lang: Language, period: "week" | "month", start: Date): string {
  const tag = lang === "es" ? "es-ES" : "en-GB";
  if (period === "month") {
    return new Intl.DateTimeFormat(tag, { month: "long", year: "numeric", timeZone: "UTC" })
      .format(start);
  }
  const day = new Intl.DateTimeFormat(tag, {
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  }).format(start);
  return lang === "es" ? `la semana del ${day}` : `the week of ${day}`;
}

/**
 * The podium announcement of a closed period as a SQL text expression over the archive rows
 * `a` of one chat `c` (grouped by chat): in the chat's language, else its podium's (`p.lang`),
 * scores grouped; ties share a medal, so it names `DIGEST_NAMES` and counts the rest (100 ties
 * ran past Telegram's 4,096).
 */
export function finalBoardText(period: "week" | "month", start: Date): string {
  const lang = sqlLanguage("c.language", "p.lang");
  const title = sqlMessage("board-final-title", lang, {
    period: { text: (l) => sqlLiteral(periodLabel(l, period, start)) },
  });
  const line = sqlMessage("board-final-line", lang, {
    medal: { text: "CASE a.rank WHEN 1 THEN '🥇' WHEN 2 THEN '🥈' ELSE '🥉' END" },
    name: sqlName("m.display_name"),
    score: { number: "a.score" },
  });
  const more = sqlMessage("level-up-digest-more", lang, {
    n: { number: `count(*) - ${DIGEST_NAMES}` },
  });
  return `${title} || E'\\n' || string_agg(${line}, E'\\n' ORDER BY a.position) ` +
    `FILTER (WHERE a.position <= ${DIGEST_NAMES}) || ` +
    `CASE WHEN count(*) > ${DIGEST_NAMES} THEN E'\\n' || ${more} ELSE '' END`;
}

/**
 * What members read, in their language: English and Spanish, with plurals from
 * `Intl.PluralRules`, numbers from `Intl.NumberFormat`, durations as people say them ("3 h",
 * "45 min") and dates in a zone ("Sunday 29 November"), never an ISO timestamp.
 */
export const LANGUAGES = ["en", "es"] as const;
export type Language = typeof LANGUAGES[number];

/** The language for a chat setting and a Telegram `language_code` ("es-AR" → es); else English. */
export function languageOf(chatLanguage?: string | null, languageCode?: string | null): Language {
  for (const code of [chatLanguage, languageCode]) {
    const base = code?.toLowerCase().split(/[-_]/)[0];
    if (base && (LANGUAGES as readonly string[]).includes(base)) return base as Language;
  }
  return "en";
}

/** A count with its noun: `plural("es", 1, {one: "día", other: "días"})` → "1 día". */
export function plural(
  lang: Language,
  n: number,
  forms: { one: string; other: string },
): string {
  const form = new Intl.PluralRules(lang).select(n) === "one" ? forms.one : forms.other;
  return `${number(lang, n)} ${form}`;
}

/** "40,237" in English, "40.237" in Spanish. */
export function number(lang: Language, n: number): string {
  return new Intl.NumberFormat(lang === "es" ? "es-ES" : "en-GB", { useGrouping: "always" })
    .format(n);
}

/** A share as a whole percentage: "30%" in English, "30 %" (a no-break space) in Spanish. */
export function percent(lang: Language, fraction: number): string {
  return new Intl.NumberFormat(lang === "es" ? "es-ES" : "en-GB", {
    style: "percent",
    maximumFractionDigits: 0,
  }).format(fraction);
}

/** A duration as said aloud, rounded to what matters: "45 min", "3 h", "3 h 20 min", "2 days". */
export function duration(lang: Language, ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) {
    const h = Math.floor(minutes / 60), m = minutes % 60;
    return m === 0 || h >= 10 ? `${Math.round(minutes / 60)} h` : `${h} h ${m} min`;
  }
  return plural(
    lang,
    Math.round(minutes / 1440),
    lang === "es" ? { one: "día", other: "días" } : { one: "day", other: "days" },
  );
}

/** A local calendar day: "Sunday, 29 November 2026" / "domingo, 29 de noviembre de 2026". */
export function longDate(lang: Language, at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat(lang === "es" ? "es-ES" : "en-GB", {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone,
  }).format(at);
}

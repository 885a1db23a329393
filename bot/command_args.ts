/**
 * The arguments of the members' commands as members type them: a period of `/top` in English or
 * Spanish (as the menus and `/help` of each language name them), a case's number as its posts
 * write it (`12` or `#12`). Each reader says what it read, or null; the command answers with the
 * argument quoted back (`quoted`, cut so a long one keeps the answer short).
 */
import type { Period } from "../domain/boards.ts";
import { ellipsized } from "../domain/one_line.ts";

/** The words `/top` reads for each period, case and accents aside ("día", "Histórica"). */
const PERIOD_WORDS: Record<Period, readonly string[]> = {
  day: ["day", "today", "dia", "hoy"],
  week: ["week", "semana"],
  month: ["month", "mes"],
  all: ["all", "todo", "historica", "historico", "siempre"],
};

/** Lower case, without accents: "Día" → "dia". */
const folded = (word: string) => word.trim().toLowerCase().normalize("NFD").replace(/\p{M}/gu, "");

/** The period `/top`'s argument names ("" is all time), or null. */
export function boardPeriod(arg: string): Period | null {
  const word = folded(arg);
  if (word === "") return "all";
  const found = Object.entries(PERIOD_WORDS).find(([, words]) => words.includes(word));
  return found ? found[0] as Period : null;
}

/** The case number an argument names: "12" or "#12"; null for anything else. */
export function caseNumber(arg: string): number | null {
  const m = arg.trim().match(/^#?(\d{1,15})$/);
  return m ? Number(m[1]) : null;
}

/** An argument as an answer quotes it back: at most 32 characters, never half an emoji. */
export function quoted(arg: string): string {
  return ellipsized(arg.trim(), 31, 32);
}

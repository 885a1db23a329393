import { duration, type Language, LANGUAGES, number, plural } from "./i18n.ts";
import { sqlLiteral, sqlMessage } from "./job_texts.ts";

type Texts = Record<Language, string>;

/** A case as its posts show it. */
export interface CaseView {
  id: number;
  title: Texts;
  body: Texts;
  options: Array<{ id: string; label: Texts }>;
  commitment: string;
  votingMs: number;
}

const LETTERS = "ABCD";

/** The post that opens a case in a chat: the dilemma, its options and the verdict commitment. */
export function casePost(c: CaseView, lang: Language): string {
  const options = c.options.map((o, i) => `${LETTERS[i]}) ${o.label[lang]}`).join("\n");
  const span = duration(lang, c.votingMs);
  return lang === "es"
    ? `⚖️ Caso #${c.id}: ${c.title.es}\n\n${c.body.es}\n\n${options}\n\n` +
      `Vota con los botones; responde a este mensaje con tu argumento (los más votados con 👍 ganan XP). ` +
      `La votación cierra en ${span}.\n` +
      `Compromiso del veredicto: sha256(veredicto ‖ sal) = ${c.commitment}`
    : `⚖️ Case #${c.id}: ${c.title.en}\n\n${c.body.en}\n\n${options}\n\n` +
      `Vote with the buttons; reply to this message with your argument (the ones with most 👍 earn XP). ` +
      `Voting closes in ${span}.\n` +
      `Verdict commitment: sha256(verdict ‖ salt) = ${c.commitment}`;
}

/** The vote buttons under a case's post: `vote:<case>:<option>`, one row per option. */
export function voteKeyboard(c: Pick<CaseView, "id" | "options">, lang: Language) {
  return {
    inline_keyboard: c.options.map((o, i) => [
      { text: `${LETTERS[i]}) ${o.label[lang]}`, callback_data: `vote:${c.id}:${o.id}` },
    ]),
  };
}

/** Both languages of a text, for SQL to pick per chat. */
export function inEveryLanguage(make: (lang: Language) => string): Texts {
  return Object.fromEntries(LANGUAGES.map((l) => [l, make(l)])) as Texts;
}

/** A closed case, as its closing post shows it. */
export interface ClosedView {
  id: number;
  title: Texts;
  verdictLabel: Texts;
  reasoning: Texts;
  verdict: string;
  salt: string;
  commitment: string;
  participants: number;
  winners: number;
  top: Array<{ name: string; votes: number }>;
}

/** The post that closes a case: the verdict and salt revealed, the top arguments, the winners. */
export function closingPost(c: ClosedView, lang: Language): string {
  const es = lang === "es";
  const medals = ["🥇", "🥈", "🥉"];
  const top = c.top.map((a, i) => `${medals[i]} ${a.name} (${number(lang, a.votes)} 👍)`).join(
    "\n",
  );
  const people = plural(
    lang,
    c.participants,
    es
      ? { one: "participante", other: "participantes" }
      : { one: "participant", other: "participants" },
  );
  const winners = plural(
    lang,
    c.winners,
    es
      ? { one: "votante acertó", other: "votantes acertaron" }
      : { one: "voter picked it", other: "voters picked it" },
  );
  const check = `sha256("${c.verdict}" ‖ "${c.salt}") = ${c.commitment}`;
  return es
    ? `⚖️ Caso #${c.id} cerrado: ${c.title.es}\n\nVeredicto: ${c.verdictLabel.es}\n${c.reasoning.es}\n\n` +
      `${people}; ${winners}.\n${top ? `Mejores argumentos:\n${top}\n` : ""}` +
      `Compruébalo: ${check}`
    : `⚖️ Case #${c.id} closed: ${c.title.en}\n\nVerdict: ${c.verdictLabel.en}\n${c.reasoning.en}\n\n` +
      `${people}; ${winners}.\n${top ? `Top arguments:\n${top}\n` : ""}` +
      `Check it: ${check}`;
}

/**
 * The private message to a rewarded member (`case-reward` in `locales/<lang>/jobs.ftl`), as a SQL
 * text expression: `lang` and `amount` are SQL expressions (a language code, anything unknown
 * reading English; an integer, grouped as the language writes it: "1,250" / "1.250").
 */
export function sqlRewardMessage(
  lang: string,
  caseId: number,
  amount: string,
  verdictLabel: Texts,
): string {
  return sqlMessage("case-reward", lang, {
    case: { text: sqlLiteral(String(caseId)) },
    xp: { number: amount },
    verdict: { text: (l) => sqlLiteral(verdictLabel[l]) },
  });
}

/** The verdict commitment: hex sha256 of the verdict's option id followed by the salt. */
export async function commitmentOf(verdict: string, salt: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(verdict + salt),
  );
  return hex(new Uint8Array(digest));
}

/** Bytes as lower-case hex. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

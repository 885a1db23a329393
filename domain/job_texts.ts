/**
 * The texts the set-based jobs write (level-ups, streak-expiry, admin alerts), built in SQL from
 * the Fluent messages of `locales/<lang>/` (`jobs.ftl`, `alerts.ftl`), so one statement writes a
 * batch of messages each in its own language, with no loop per member in TypeScript.
 *
 * How: per language, the message is rendered ONCE through `t()`, with a token in place of
 * every text argument (names, titles) and a sentinel number for every number argument; the
 * rendered text is cut at the tokens and at the sentinels' formatted forms, and the pieces
 * become a SQL concatenation of literals and per-row expressions. A number that chooses a
 * plural form (the text changes, not only the number, between 1 and the sentinel) gets a
 * `CASE WHEN n = 1` over the two renderings: English and Spanish say `one` for 1 only (a test
 * holds `Intl.PluralRules` to it, and every message's SQL text to `t()`). A text a selector
 * chooses on (`{ $cause -> … }`) gets a `CASE` over its values, one rendering each. Numbers are
 * grouped in SQL as `i18n.number` groups them ("1,234", "1.234"), by `sqlNumber`, pinned by a
 * test.
 *
 * @example
 * sqlMessage("streak-broken", "d.lang", { days: { number: "d.length" }, chat: { text: "d.title" } })
 * // CASE d.lang WHEN 'es' THEN CASE WHEN (d.length) = 1 THEN '💔 Tu racha de ' || … END ELSE … END
 */
import { type Language, LANGUAGES, number } from "./i18n.ts";
import { type MessageArgs, t } from "./messages.ts";

/**
 * An argument of a message, as SQL: a text expression (the same in every language, or one per
 * language), an integer expression, or a text a Fluent selector chooses on (`{ $cause -> … }`):
 * one rendering per value of `values`, in a `CASE`, the `*` variant for any other value (shown as
 * the text it is, if the message shows it). A text expression must not be NULL (coalesce it).
 */
export type SqlArg =
  | { text: string | ((lang: Language) => string) }
  | { number: string }
  | { select: string; values: readonly string[] };

/** How many level-ups a group's digest names before it counts the rest (`…and 4,990 more`). */
export const DIGEST_NAMES = 10;

/**
 * How many characters (code points) of a member's name the jobs' digests show: thirty badge lines
 * with Telegram's longest names (129 characters) ran past its 4,096, and it refused the digest.
 */
export const NAME_MAX = 40;

/** A member's name (a text SQL expression) cut to `NAME_MAX` characters, "…" ending a cut one. */
export function sqlName(name: string): SqlArg {
  return {
    text: `CASE WHEN char_length(${name}) > ${NAME_MAX}
      THEN rtrim(left(${name}, ${NAME_MAX - 1})) || '…' ELSE ${name} END`,
  };
}

/** A SQL string literal (standard conforming strings: only the quote is doubled). */
export function sqlLiteral(text: string): string {
  if (text.includes("\0")) throw new Error("a SQL literal cannot hold NUL");
  return `'${text.replaceAll("'", "''")}'`;
}

/** A language code from the SQL text `code` ("es-AR", "pt_BR"), or NULL if not one we speak. */
function sqlKnownLanguage(code: string): string {
  const base = `lower(split_part(replace(${code}, '_', '-'), '-', 1))`;
  const known = LANGUAGES.map(sqlLiteral).join(", ");
  return `CASE WHEN ${base} IN (${known}) THEN ${base} END`;
}

/**
 * `i18n.languageOf` in SQL: the chat's setting (`chats.language`), else the member's Telegram
 * `language_code`, else English.
 */
export function sqlLanguage(chatLanguage: string, languageCode: string): string {
  return `coalesce(${sqlKnownLanguage(chatLanguage)}, ${sqlKnownLanguage(languageCode)}, 'en')`;
}

/** How many of a group's members its language is read from (`sqlChatLanguage`). */
export const LANGUAGE_SAMPLE = 1_000;

/**
 * A group's language over its `chats` row `chat`: the setting, else the language most of its
 * members speak (as `sqlLanguage` reads each one's app; English on a tie or with none), as the
 * level-up and badge digests choose theirs. Read from its `LANGUAGE_SAMPLE` most recently active
 * members (then those never active, by id: the same ones every run), through `members_activity`
 * and the key: a group of a million is not read whole for each case post, closing and report.
 */
export function sqlChatLanguage(chat: string): string {
  const sample = (where: string, order: string) =>
    `(SELECT m.language_code FROM members m
      WHERE m.chat_id = ${chat}.chat_id AND m.last_activity_at ${where} AND NOT m.is_bot
      ${order} LIMIT ${LANGUAGE_SAMPLE})`;
  return `coalesce(${chat}.language, (
    SELECT l.lang FROM (
      SELECT ${sqlLanguage("NULL", "m.language_code")} AS lang
      FROM (SELECT s.language_code FROM (
        ${sample("IS NOT NULL", "ORDER BY m.last_activity_at DESC")}
        UNION ALL ${sample("IS NULL", "ORDER BY m.user_id")}) s LIMIT ${LANGUAGE_SAMPLE}) m) l
    GROUP BY l.lang ORDER BY count(*) DESC, l.lang = 'en' DESC, l.lang LIMIT 1), 'en')`;
}

/**
 * The integer SQL expression `expr` as `i18n.number(lang, n)` writes it, grouped always
 * ("40,237" in English, "40.237" in Spanish): `to_char` groups with ",", which is translated
 * to the language's separator (read from Intl, so another language brings its own).
 */
export function sqlNumber(expr: string, lang: Language): string {
  const sample = number(lang, -1234567);
  const parts = /^(\D+)1(\D)234\2(?:567)$/u.exec(sample);
  if (!parts) throw new Error(`sqlNumber: cannot group like "${sample}" (${lang}) in SQL`);
  const [, minus, group] = parts;
  if ([...minus].length !== 1) throw new Error(`sqlNumber: minus sign "${minus}" (${lang})`);
  return `translate(to_char((${expr})::numeric, 'FM999,999,999,999,999,999,990'), ',-', ${
    sqlLiteral(group + minus)
  })`;
}

const OPEN = "\u0001", CLOSE = "\u0002";
const token = (name: string) => `${OPEN}${name}${CLOSE}`;
/** Numbers of the `other` form in every language we speak, six digits, none a "1". */
const SENTINEL = 986_420;

/** Values chosen for selector arguments; `null`: not one of its values (the `*` variant). */
type Chosen = Record<string, string | null>;

/**
 * The message rendered with tokens for every argument but the selector values `chosen`; `one`
 * renders that argument as 1.
 */
function tokenized(
  lang: Language,
  id: string,
  args: Record<string, SqlArg>,
  chosen: Chosen,
  one?: string,
): string {
  const values: MessageArgs = {};
  const numbers = Object.keys(args).filter((k) => "number" in args[k]);
  numbers.forEach((k, i) => values[k] = k === one ? 1 : SENTINEL + i * 2);
  for (const k of Object.keys(args)) {
    if (!("number" in args[k])) values[k] = chosen[k] ?? token(k);
  }
  let text = t(lang, id, values);
  numbers.forEach((k, i) => {
    if (k !== one) text = text.replaceAll(number(lang, SENTINEL + i * 2), token(k));
  });
  if (one === undefined) {
    if (text.includes(number(lang, 1))) {
      throw new Error(`${lang}/${id}: the literal text holds "${number(lang, 1)}"`);
    }
  } else text = text.replaceAll(number(lang, 1), token(one));
  return text;
}

/** A tokenized text as a SQL concatenation of literals and the arguments' expressions. */
function toSql(text: string, lang: Language, args: Record<string, SqlArg>): string {
  const pieces = text.split(new RegExp(`${OPEN}(\\w+)${CLOSE}`, "u"));
  const sql: string[] = [];
  pieces.forEach((piece, i) => {
    if (i % 2 === 0) {
      if (piece !== "") sql.push(sqlLiteral(piece));
      return;
    }
    const arg = args[piece];
    if ("number" in arg) sql.push(sqlNumber(arg.number, lang));
    else if ("select" in arg) sql.push(`(${arg.select})`);
    else sql.push(`(${typeof arg.text === "function" ? arg.text(lang) : arg.text})`);
  });
  return sql.length === 0 ? "''" : sql.join(" || ");
}

/**
 * The message in one language: a `CASE` on each selector argument (one branch per value), and
 * within each branch a `CASE` on the number that chooses a plural form.
 */
function sqlMessageIn(
  lang: Language,
  id: string,
  args: Record<string, SqlArg>,
  chosen: Chosen = {},
): string {
  const k = Object.keys(args).find((k) => "select" in args[k] && !(k in chosen));
  if (k !== undefined) {
    const arg = args[k] as { select: string; values: readonly string[] };
    const branches = arg.values.map((v) =>
      `WHEN ${sqlLiteral(v)} THEN ${sqlMessageIn(lang, id, args, { ...chosen, [k]: v })}`
    );
    const rest = sqlMessageIn(lang, id, args, { ...chosen, [k]: null });
    return `CASE (${arg.select}) ${branches.join(" ")} ELSE ${rest} END`;
  }
  const other = tokenized(lang, id, args, chosen);
  const plural = Object.keys(args).filter((k) =>
    "number" in args[k] && tokenized(lang, id, args, chosen, k) !== other
  );
  if (plural.length > 1) {
    throw new Error(`${lang}/${id}: ${plural.join(", ")} all choose plural forms (one at most)`);
  }
  if (plural.length === 0) return toSql(other, lang, args);
  const [n] = plural;
  const one = tokenized(lang, id, args, chosen, n);
  const count = (args[n] as { number: string }).number;
  return `CASE WHEN (${count}) = 1 THEN ${toSql(one, lang, args)} ELSE ${
    toSql(other, lang, args)
  } END`;
}

/**
 * Message `id` of `locales/<lang>/` (`jobs.ftl`, `alerts.ftl`, …) as a SQL text expression, in the language the SQL
 * expression `lang` yields (one of `LANGUAGES`; anything else reads English), with `args`.
 */
export function sqlMessage(id: string, lang: string, args: Record<string, SqlArg>): string {
  const others = LANGUAGES.filter((l) => l !== "en")
    .map((l) => `WHEN ${sqlLiteral(l)} THEN ${sqlMessageIn(l, id, args)}`);
  const en = sqlMessageIn("en", id, args);
  return others.length === 0 ? en : `(CASE ${lang} ${others.join(" ")} ELSE ${en} END)`;
}

/** A chat's title, else "your group" (or `fallback`) in the language. */
export function sqlChatTitle(title: string, fallback = "jobs-your-group"): SqlArg {
  return { text: (lang) => `coalesce(nullif(${title}, ''), ${sqlLiteral(t(lang, fallback))})` };
}

/**
 * A duration in minutes (an integer SQL expression) as `i18n.duration` says it below two days
 * ("45 min", "3 h 20 min", "12 h"), pinned to it by a test.
 */
export function sqlDuration(minutes: string): string {
  return `CASE WHEN ${minutes} < 60 THEN greatest(${minutes}, 1) || ' min'
    WHEN ${minutes} % 60 = 0 OR ${minutes} >= 600 THEN round(${minutes} / 60.0) || ' h'
    ELSE ${minutes} / 60 || ' h ' || ${minutes} % 60 || ' min' END`;
}

/**
 * A span in minutes (an integer SQL expression) as `i18n.duration` says it in `lang`, two days
 * and more included ("45 min", "3 h 20 min", "5 days", "5 días").
 */
export function sqlSpan(minutes: string, lang: Language): string {
  const days = `round((${minutes}) / 1440.0)::bigint`;
  const word = sqlLiteral(` ${lang === "es" ? "días" : "days"}`);
  return `(CASE WHEN (${minutes}) < 2880 THEN ${sqlDuration(`(${minutes})`)}
    ELSE ${sqlNumber(days, lang)} || ${word} END)`;
}

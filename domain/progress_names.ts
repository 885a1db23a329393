/**
 * Level and badge names in the member's language (`locales/<lang>/progress.ftl`), for the bot's
 * answers (in TypeScript) and the jobs' texts (in SQL, over a whole batch; see `job_texts.ts`).
 *
 * The `levels` and `badges` tables keep their English names. A level's stored name that is its
 * default one (`levelTable`'s) is said in the language, any other as stored; a badge with a
 * message (`badge-<id>`) is named by it, one without (no longer defined) as stored.
 *
 * @example
 * levelName("es", 14) // "Miembro IV"
 * localLevelName("es", 14, "Member IV") // "Miembro IV"
 */
import { type Language } from "./i18n.ts";
import { sqlLiteral } from "./job_texts.ts";
import { BADGES } from "./badge_list.ts";
import { hasMessage, t } from "./messages.ts";

/** Tiers of ten levels (`level-tier-1` … `level-tier-10`); past the last, levels are numbered. */
const TIERS = 10;
const ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"];

const tierOf = (level: number) => Math.min(TIERS - 1, Math.floor((level - 1) / 10));
const tierName = (lang: Language, tier: number) => t(lang, `level-tier-${tier + 1}`);

/** The default name of `level` (1 or more): "Newcomer I" … "Mythic X", then "Mythic 11", … */
export function levelName(lang: Language, level: number): string {
  if (level > TIERS * 10) return `${tierName(lang, TIERS - 1)} ${level - (TIERS - 1) * 10}`;
  return `${tierName(lang, tierOf(level))} ${ROMAN[(level - 1) % 10]}`;
}

/** The badges reaching a level earns (`level` badges at their threshold: level 5, Level Up!). */
const LEVEL_BADGES = BADGES.filter((b) => b.metric === "level");

/**
 * What `level` brings by default, only what the rules grant: its tier's title at a tier's first
 * level (the name members see from then on), and a badge whose threshold it is (given by the
 * next `badge-check`). Lives do not depend on levels.
 */
export function levelBenefits(lang: Language, level: number): string | null {
  const parts = [
    ...((level - 1) % 10 === 0 && level > 1 && level <= TIERS * 10 // past 100: the title held
      ? [t(lang, "level-benefit-title", { tier: tierName(lang, tierOf(level)) })]
      : []),
    ...LEVEL_BADGES.filter((b) => b.threshold === level)
      .map((b) => t(lang, "level-benefit-badge", { badge: badgeText(lang, b.id, b.name) })),
  ];
  return parts.length ? parts.join(", ") : null;
}

/** A stored level name as `lang` says it (see the module's comment). */
export function localLevelName(lang: Language, level: number, stored: string): string {
  return stored === levelName("en", level) ? levelName(lang, level) : stored;
}

/** A stored badge name (or progress unit, with `part` "unit") as `lang` says it. */
export function badgeText(lang: Language, id: string, stored: string, part?: "unit"): string {
  const key = part ? `badge-${id}-${part}` : `badge-${id}`;
  return hasMessage(lang, key) ? t(lang, key) : stored;
}

/** How progress toward a badge reads: "42/100 messages" (`unit` already in the language). */
export function badgeProgressText(count: number, threshold: number, unit: string): string {
  return `${count}/${threshold} ${unit}`;
}

/** `levelName` in SQL, of the integer expression `level`. */
export function sqlLevelName(level: string, lang: Language): string {
  const tiers = Array.from(
    { length: TIERS },
    (_, i) => `WHEN ${i} THEN ${sqlLiteral(tierName(lang, i))}`,
  );
  const numerals = ROMAN.map((r, i) => `WHEN ${i} THEN '${r}'`);
  return `(CASE WHEN (${level}) > ${TIERS * 10} THEN ${
    sqlLiteral(`${tierName(lang, TIERS - 1)} `)
  } || ` +
    `((${level}) - ${(TIERS - 1) * 10})::text ELSE (CASE least(${
      TIERS - 1
    }, ((${level}) - 1) / 10) ` +
    `${tiers.join(" ")} END) || ' ' || (CASE ((${level}) - 1) % 10 ${numerals.join(" ")} END) END)`;
}

/** `levelBenefits` in SQL (NULL for a level without). */
function sqlLevelBenefits(level: string, lang: Language): string {
  // The levels with benefits: a tier's first level (11 to 91; past 100 the last tier's title is
  // held already) and the badges' thresholds.
  const special = [
    ...Array.from({ length: TIERS - 1 }, (_, k) => (k + 1) * 10 + 1),
    ...LEVEL_BADGES.map((b) => b.threshold),
  ];
  const whens = [...new Set(special)].sort((a, b) => a - b)
    .map((n) => `WHEN ${n} THEN ${sqlLiteral(levelBenefits(lang, n) ?? "")}`);
  return `nullif(CASE (${level}) ${whens.join(" ")} ELSE '' END, '')`;
}

/** A stored level text (`name` or `benefits` of level `level`) as a message argument in SQL. */
export function sqlLevelText(
  level: string,
  stored: string,
  kind: "name" | "benefits",
): { text: (lang: Language) => string } {
  const made = kind === "name" ? sqlLevelName : sqlLevelBenefits;
  return {
    text: (lang) =>
      lang === "en"
        ? stored
        : `(CASE WHEN ${stored} = ${made(level, "en")} THEN ${
          made(level, lang)
        } ELSE ${stored} END)`,
  };
}

/** `badgeText` in SQL: the badge `id` (SQL) among `ids`, else the `stored` name (SQL). */
export function sqlBadgeName(
  id: string,
  stored: string,
  ids: readonly string[],
): { text: (lang: Language) => string } {
  return {
    text: (lang) => {
      const known = ids.filter((b) => hasMessage(lang, `badge-${b}`))
        .map((b) => `WHEN ${sqlLiteral(b)} THEN ${sqlLiteral(t(lang, `badge-${b}`))}`);
      return known.length ? `(CASE ${id} ${known.join(" ")} ELSE ${stored} END)` : stored;
    },
  };
}

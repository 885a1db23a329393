import type postgres from "postgres";
import { levelBenefits, levelName } from "./progress_names.ts";

/** How level thresholds grow (seed 003; `mee6` is the default curve). */
export interface LevelCurve {
  formula: "mee6" | "exponential" | "linear";
  baseXp: number;
  multiplier: number;
  max: number;
}

export interface Level {
  number: number;
  name: string;
  minXp: number;
  benefits: string | null;
}

/**
 * XP needed to go from level `n + 1` to `n + 2` (n from 0):
 * - `mee6`: `5n² + 50n + 100` (level 2 at 100 XP, 3 at 255, 4 at 475, …);
 * - `exponential`: `base · multiplier^n` (level 2 at base, 3 at base + base·m, …);
 * - `linear`: `base` for every level (level L at `base · (L − 1)`).
 */
export function stepXp(curve: LevelCurve, n: number): number {
  switch (curve.formula) {
    case "mee6":
      return 5 * n * n + 50 * n + 100;
    case "exponential":
      return Math.round(curve.baseXp * curve.multiplier ** n);
    case "linear":
      return curve.baseXp;
  }
}

/** The levels table, 1 … max: level 1 starts at 0 XP; names by tier of ten; benefits at tier starts. */
export function levelTable(curve: LevelCurve): Level[] {
  const levels: Level[] = [];
  let minXp = 0;
  for (let number = 1; number <= curve.max; number++) {
    // The table keeps the English names; members read them in their language (progress_names).
    levels.push({
      number,
      name: levelName("en", number),
      minXp,
      benefits: levelBenefits("en", number),
    });
    if (!Number.isSafeInteger(minXp + stepXp(curve, number - 1))) break; // exponential curves stop where numbers do
    minXp += stepXp(curve, number - 1);
  }
  return levels;
}

/**
 * Writes the levels table from the curve (one transaction). When it changed, every member's
 * `next_level_xp` is recomputed in one statement. Returns whether anything changed.
 */
export async function syncLevels(sql: postgres.Sql, curve: LevelCurve): Promise<boolean> {
  const table = levelTable(curve);
  const wanted = JSON.stringify(table.map((l) => [l.number, l.name, l.minXp, l.benefits]));
  return await sql.begin(async (tx) => {
    const [current] = await tx<{ fingerprint: string | null }[]>`
      SELECT json_agg(json_build_array(number, name, min_xp, benefits) ORDER BY number)::text AS fingerprint
      FROM levels`;
    if (current.fingerprint && JSON.stringify(JSON.parse(current.fingerprint)) === wanted) {
      return false;
    }
    await tx`DELETE FROM levels`;
    await tx`
      INSERT INTO levels (number, name, min_xp, benefits)
      SELECT l.number, l.name, l.min_xp, l.benefits
      FROM json_to_recordset(${
      JSON.stringify(
        table.map((l) => ({
          number: l.number,
          name: l.name,
          min_xp: l.minXp,
          benefits: l.benefits,
        })),
      )
    }::text::json)
        AS l(number int, name text, min_xp bigint, benefits text)`;
    await tx`
      UPDATE members m SET next_level_xp = n.min_xp
      FROM members x LEFT JOIN levels n ON n.number = x.level + 1
      WHERE m.chat_id = x.chat_id AND m.user_id = x.user_id
        AND m.next_level_xp IS DISTINCT FROM n.min_xp`;
    return true;
  });
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration as milliseconds or text like `"30s"`, `"500ms"`, `"10m"`, `"2h"`, `"7d"`. */
export type Duration = number | string;

/**
 * Milliseconds of a duration; throws naming the value when it cannot be read.
 *
 * ```ts
 * parseDuration("30s"); // 30000
 * ```
 */
export function parseDuration(value: Duration): number {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value >= 0) return value;
    throw new RangeError(`Cannot read duration ${value}: expected a non-negative number of ms`);
  }
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!match) {
    throw new RangeError(
      `Cannot read duration "${value}": expected a number with ms, s, m, h or d, like "30s"`,
    );
  }
  return Math.round(Number(match[1]) * UNITS[match[2]]);
}

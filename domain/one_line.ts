/**
 * A one-line text an operator gives (an XP move's reason, an incident's closing note): trimmed,
 * 1 to `max` characters, no control characters (nor line separators or bidi controls). Else a RangeError naming `field` and the fault.
 */
export function oneLine(field: string, value: unknown, max: number): string {
  if (value === undefined || value === null) {
    throw new RangeError(`${field}: missing (expected 1 to ${max} characters)`);
  }
  const text = typeof value === "string" ? value.trim() : "";
  const length = [...text].length;
  if (length < 1 || length > max) {
    throw new RangeError(
      `${field}: expected 1 to ${max} characters after trimming, got ${
        typeof value === "string" ? length : typeof value
      }`,
    );
  }
  const code = controlCharacter(text);
  if (code) {
    throw new RangeError(`${field}: control character ${code} not allowed: one line of text`);
  }
  return text;
}

/**
 * The first character of `text` a one-line text refuses, as "U+202E", or null: control
 * characters, line and paragraph separators (they break the line too) and bidi controls (they
 * reorder the rest of it).
 */
export function controlCharacter(text: string): string | null {
  const control = /[\p{Cc}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069]/u.exec(text);
  if (!control) return null;
  return `U+${control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * The first `max` characters of `text` (code points, so an emoji is never cut in half: half of
 * one is no UTF-8, and Telegram refuses a whole answer that quotes it).
 *
 * @example clipped("ab😀c", 3) // "ab😀"
 */
export function clipped(text: string, max: number): string {
  return Array.from(text).slice(0, max).join("");
}

/**
 * `text` when it has at most `over` characters, else its first `keep` and "…": a quoted input
 * keeps an answer short (code points, as `clipped`).
 *
 * @example ellipsized("abcdef", 3) // "abc…"
 */
export function ellipsized(text: string, keep: number, over = keep): string {
  return Array.from(text).length > over ? `${clipped(text, keep)}…` : text;
}

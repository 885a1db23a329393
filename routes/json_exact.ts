import { ellipsized } from "../domain/one_line.ts";

/**
 * What `JSON.parse` reads otherwise than it was sent, in a text it has already parsed: a key
 * given twice (the last one wins, quietly), half a surrogate pair (`"\ud800"`: no text, and
 * PostgreSQL refuses it), a number that reads as a whole number it does not stand for
 * (`1.0000000000000001` is read as 1, `1e-400` as 0, `9007199254740993` as …992). Each problem
 * names where it is, as `amount` or `quietHours.start` or `noXpTopics.1`.
 *
 * ```ts
 * jsonReadProblem('{"amount":5,"amount":6}'); // "amount: given twice: send each field once"
 * jsonReadProblem('{"amount":5}'); // undefined
 * ```
 */
export function jsonReadProblem(text: string): string | undefined {
  // one frame per open object (its keys so far, the current one) or array (the current index)
  const stack: Array<{ keys?: Set<string>; key?: string; index: number; awaitsKey: boolean }> = [];
  const path = (frames = stack) => frames.map((f) => f.keys ? f.key : String(f.index));
  const at = () => path().join(".") || "body";
  for (let i = 0; i < text.length;) {
    const ch = text[i];
    const top = stack.at(-1);
    if (ch === '"') {
      const end = stringEnd(text, i);
      const raw = text.slice(i, end);
      i = end;
      if (top?.keys && top.awaitsKey) {
        const key: string = raw.includes("\\") ? JSON.parse(raw) : raw.slice(1, -1);
        const named = () => [...path(stack.slice(0, -1)), key].join(".") || '""';
        if (!key.isWellFormed()) return `key ${shown(JSON.stringify(named()))}: ${halfPair(key)}`;
        if (top.keys.has(key)) return `${shown(named())}: ${TWICE}`;
        top.keys.add(key);
        top.key = key;
        top.awaitsKey = false;
      } else if (raw.includes("\\u") && !(JSON.parse(raw) as string).isWellFormed()) {
        return `${shown(at())}: ${halfPair(JSON.parse(raw))}`;
      }
    } else if (ch === "-" || (ch >= "0" && ch <= "9")) {
      let end = i + 1;
      while (end < text.length && NUMBER_CHARS.includes(text[end])) end++;
      const literal = text.slice(i, end);
      i = end;
      if (!standsFor(literal)) {
        return `${shown(at())}: ${shown(literal)} would be read as ${Number(literal)}: ` +
          "more precision than a number here holds";
      }
    } else {
      if (ch === "{") stack.push({ keys: new Set(), index: 0, awaitsKey: true });
      else if (ch === "[") stack.push({ index: 0, awaitsKey: false });
      else if (ch === "}" || ch === "]") stack.pop();
      else if (ch === "," && top) {
        top.index++;
        top.awaitsKey = top.keys !== undefined;
      }
      i++; // and whitespace, `:`, the letters of true, false and null
    }
  }
}

const NUMBER_CHARS = "0123456789.eE+-";
const TWICE = "given twice: send each field once";

/** Where `text`'s first half of a surrogate pair is, and what it is: no character. */
function halfPair(text: string): string {
  let at = 0;
  for (const ch of text) { // a whole pair is one character here, half of one its own
    const code = ch.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      return `\\u${code.toString(16)} at character ${at + 1} is half a surrogate pair, ` +
        "no character: send the text as UTF-8";
    }
    at++;
  }
  return "";
}

/** `text`, its first 60 characters and … when longer: a message never echoes a whole body. */
export function shown(text: string): string {
  return ellipsized(text, 60);
}

/** The index just past the string literal that opens at `start` (a valid one). */
function stringEnd(text: string, start: number): number {
  for (let from = start + 1;;) {
    const quote = text.indexOf('"', from);
    let slashes = 0;
    while (text[quote - 1 - slashes] === "\\") slashes++;
    if (slashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/**
 * Whether the number literal (a valid one) stands for what it reads as, when that is a whole
 * number: a fraction (0.1) is read as the nearest double by nature, and a number too large to
 * read (1e400, Infinity) is each route's range check to refuse.
 */
function standsFor(literal: string): boolean {
  if (/^-?\d{1,15}$/.test(literal)) return true; // the usual case: whole and exact
  const value = Number(literal);
  if (!Number.isInteger(value)) return true;
  const [, whole, fraction = "", exponent = "0"] = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/
    .exec(literal)!;
  const digits = (whole + fraction).replace(/^0+/, "");
  if (digits === "") return true; // a zero reads as zero
  const significant = digits.replace(/0+$/, "");
  const scale = Number(exponent) - fraction.length + (digits.length - significant.length);
  // a finite double is below 10^309: more digits than that cannot stand for one
  if (scale < 0 || significant.length > 310) return false;
  return BigInt(significant) * 10n ** BigInt(scale) === BigInt(Math.abs(value));
}

/**
 * What the hostile-input tests share: the README they read their routes and variables from,
 * and one assertion listing every failure, so one run shows them all.
 */
import assert from "node:assert/strict";

export const ROOT = new URL("../..", import.meta.url).pathname;
export const LONG = "x".repeat(5_000);
export const STACK = /^\s+at |at file:\/\/\/|Uncaught|Stack backtrace/m;
export const show = (s: string) =>
  JSON.stringify(s.length > 80 ? `${s.slice(0, 60)}…(${s.length})` : s);
const README = Deno.readTextFileSync(`${ROOT}README.md`);

/** The README's text from heading `from` up to `to`. */
export const section = (from: string, to: string) =>
  README.slice(README.indexOf(from), README.indexOf(to, README.indexOf(from)));

/** One assertion listing every failure, so one run shows them all. */
export function report(failures: string[], of: string) {
  assert.equal(
    failures.length,
    0,
    `${failures.length} of ${of} broke the rule:\n${failures.join("\n")}`,
  );
}

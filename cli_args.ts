/**
 * The one argument parser of the command line and the bench: `node:util` `parseArgs` with
 * `strict: true`, then the values through zod. Bad input becomes one line naming the option.
 */
import { parseArgs } from "node:util";
import { z } from "zod";

/** Bad input: the one line to print. */
export class ArgsError extends Error {
  override name = "ArgsError";
}

/** A whole number from 1 to `max`, written plainly: no 1e3, 0x10, " 7", +7, 7.0 or 07. */
export function wholeNumber(
  flag: string,
  max: number,
  expects = `a whole number from 1 to ${max}`,
) {
  return z.string().superRefine((raw, ctx) => {
    if (!/^[1-9]\d*$/.test(raw) || Number(raw) > max) {
      ctx.addIssue({ code: "custom", message: `${flag} expects ${expects}, got "${raw}"` });
    }
  }).transform(Number);
}

/** Marks an argument like `-1` so that parseArgs takes it for a value, not an option. */
const NEGATIVE = "\u0000";

export type OptionTypes = Record<string, { type: "string" | "boolean"; short?: string }>;

/**
 * `args` through `parseArgs` (strict, positionals allowed) with `options` (`--help`/`-h`
 * always), then `schema` over the values. `expected` lists the options in messages.
 */
export function readArgs<S extends z.ZodType>(
  args: string[],
  options: OptionTypes,
  schema: S,
  expected: string,
): { values: z.output<S>; positionals: string[] } {
  // parseArgs reads `-1` as an option (`--limit -1`: "needs a value"; `close-incident -1`: "unknown
  // option"); marked, it is read as the value or argument it is, and refused by its own rule.
  const marked = args.map((a) => /^-\d/.test(a) ? NEGATIVE + a : a);
  const unmark = (v: unknown) =>
    typeof v === "string" && v.startsWith(NEGATIVE) ? v.slice(NEGATIVE.length) : v;
  let parsed;
  try {
    parsed = parseArgs({
      args: marked,
      strict: true,
      allowPositionals: true,
      tokens: true,
      options: { ...options, help: { type: "boolean", short: "h" } },
    });
  } catch (e) {
    const message = (e as Error).message;
    const code = (e as { code?: string }).code;
    const flag = /'(-{1,2}[^' =]+)/.exec(message)?.[1] ?? "an option";
    throw new ArgsError(
      code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
        ? `unknown option ${flag}; expected ${expected}`
        : /does not take an argument/.test(message)
        ? `${flag} takes no value (write ${flag} alone)`
        : `${flag} needs a value${/ambiguous/.test(message) ? ", got another option" : ""}`,
    );
  }
  // parseArgs keeps the last of `--limit 5 --limit 6`; the HTTP routes refuse a repeated query
  const given = new Map<string, number>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind === "option") given.set(token.name, (given.get(token.name) ?? 0) + 1);
  }
  for (const [name, times] of given) {
    if (times > 1) throw new ArgsError(`--${name} given ${times} times: expected it once`);
  }
  const values = Object.fromEntries(Object.entries(parsed.values).map(([k, v]) => [k, unmark(v)]));
  const checked = schema.safeParse(values);
  if (!checked.success) throw new ArgsError(checked.error.issues[0].message);
  return { values: checked.data, positionals: parsed.positionals.map((p) => unmark(p) as string) };
}

/** `deno task bench`'s options: every size flag with its default, parsed by the CLI's one parser. */
import { z } from "zod";
import { ArgsError, readArgs, wholeNumber } from "../cli_args.ts";

/** Each flag and its default; the phases read them as `args["flag-name"]`. */
export const SIZES = {
  members: 100_000,
  batch: 5_000,
  "naive-sample": 20_000,
  concurrency: 2,
  rows: 10_000,
  budget: 1_000,
  "board-members": 100_000,
  "retention-rows": 2_000_000,
  "case-participants": 100_000,
  "case-arguments": 10_000,
  "dashboard-jobs": 30,
  "dashboard-runs": 10_000,
  "ingest-updates": 20_000,
  "ingest-concurrency": 40,
  "ingest-members": 2_000,
  "ingest-chats": 20,
  "history-members": 100_000,
  "history-small": 1_000_000,
  "history-large": 10_000_000,
  "footprint-members": 100_000,
  "footprint-idle-s": 30,
} as const;

export type Sizes = { [K in keyof typeof SIZES]: number };
export type BenchArgs = Sizes & { json: boolean };

const FLAGS = Object.keys(SIZES) as (keyof typeof SIZES)[];

export const USAGE = `usage: deno task bench ${
  FLAGS.map((f) => `[--${f} N]`).join(" ")
} [--json]\n  seeds a fresh database and measures every phase (see README: Benchmarks)`;

const schema = z.object({
  ...Object.fromEntries(
    FLAGS.map((f) => [
      f,
      wholeNumber(`--${f}`, 100_000_000, "a positive whole number").default(SIZES[f]),
    ]),
  ) as unknown as Record<keyof typeof SIZES, z.ZodType<number>>,
  json: z.boolean().default(false),
  help: z.boolean().default(false),
});

/** The options, or `null` for `--help`; a bad one throws `ArgsError` naming it. */
export function parseBenchArgs(argv: string[]): BenchArgs | null {
  const spec = Object.fromEntries(FLAGS.map((f) => [f, { type: "string" as const }]));
  const { values, positionals } = readArgs(
    argv,
    { ...spec, json: { type: "boolean" } },
    schema,
    `${FLAGS.map((f) => `--${f} N`).join(", ")}, --json`,
  );
  if (values.help) return null;
  if (positionals.length) throw new ArgsError(`unexpected argument "${positionals[0]}"`);
  const { help: _help, ...args } = values;
  return args as BenchArgs;
}

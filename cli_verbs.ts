/**
 * The command line's verbs: their usage lines, what each does, and how their options are read
 * (cli.ts runs them).
 */
import { z } from "zod";
import { rowId } from "./domain/row_id.ts";
import { ArgsError, type OptionTypes, readArgs, wholeNumber } from "./cli_args.ts";

/** Every command and verb: its usage line and what it does, in one line each. */
export const VERBS = {
  "migrate": {
    usage: "deno task migrate [--json]",
    does: "apply the pending database migrations and say which",
    args: [0, 0],
    options: ["json"],
  },
  "jobs list": {
    usage: "deno task jobs list [--json]",
    does: "the jobs, their schedules, zones and next runs (no database)",
    args: [0, 0],
    options: ["json"],
  },
  "jobs status": {
    usage: "deno task jobs status [name] [--json]",
    does: "each job's last run, failures in a row, pause state and next run",
    args: [0, 1],
    options: ["json"],
  },
  "jobs run": {
    usage: "deno task jobs run <name> [--wait] [--json]",
    does: "run a job here now, claimed like any run; exit 1 when the run failed",
    args: [1, 1],
    options: ["json", "wait"],
  },
  "jobs pause": {
    usage: "deno task jobs pause <name> [--json]",
    does: "every replica skips the job's ticks until resumed",
    args: [1, 1],
    options: ["json"],
  },
  "jobs resume": {
    usage: "deno task jobs resume <name> [--json]",
    does: "every replica runs the job's ticks again",
    args: [1, 1],
    options: ["json"],
  },
  "jobs history": {
    usage: "deno task jobs history <name> [--limit N] [--json]",
    does: "the job's last N runs (default 20, at most 10000), newest first",
    args: [1, 1],
    options: ["json", "limit"],
  },
  "jobs incidents": {
    usage: "deno task jobs incidents [--open] [--limit N] [--before ID] [--json]",
    does: "the newest incidents (a job given up, …), open or closed, newest first",
    args: [0, 0],
    options: ["json", "limit", "open", "before"],
  },
  "jobs close-incident": {
    usage: 'deno task jobs close-incident <id> --note "why" [--json]',
    does: "close an open incident, saying why (a mismatch closes only so); told to ADMIN_CHAT_ID",
    args: [1, 1],
    options: ["json", "note"],
  },
  "jobs next": {
    usage: "deno task jobs next <name> [--from ISO] [--count N] [--json]",
    does: "the job's next N slots in UTC and its zone (no database)",
    args: [1, 1],
    options: [],
  },
  "schedule": {
    usage: 'deno task schedule "<cron>" [--tz ZONE] [--from ISO] [--count N] [--json]',
    does: 'the next N slots of a cron expression (or "every 30s") in UTC and a zone (no database)',
    args: [1, 1],
    options: [],
  },
  "telegram": {
    usage:
      "deno task telegram webhook set [--url URL] | delete [--drop-pending-updates] | info [--json]",
    does: "register, remove or show the bot's webhook (the Bot API only)",
    args: [0, 0],
    options: [],
  },
  "seed": {
    usage: "deno task seed [--members N] [--chats M] [--json]",
    does: "a demo community (default 1000 members); seeding again adds nothing",
    args: [0, 0],
    options: ["json", "members", "chats"],
  },
} as const;
export type VerbName = keyof typeof VERBS;

export const helpOf = (names: VerbName[]) =>
  `usage:\n${names.map((n) => `  ${VERBS[n].usage}\n      ${VERBS[n].does}`).join("\n")}`;
const ALL = Object.keys(VERBS) as VerbName[];
export const USAGE = helpOf(ALL);
export const JOBS_USAGE = helpOf(ALL.filter((n) => n.startsWith("jobs ")));

/** A command line that cannot be followed; the message is the one line printed. */
export class UsageError extends Error {
  override name = "UsageError";
  constructor(message: string, readonly usage = USAGE) {
    super(message);
  }
}

const OPTION_TYPES: OptionTypes = {
  json: { type: "boolean" },
  wait: { type: "boolean" },
  open: { type: "boolean" },
  limit: { type: "string" },
  members: { type: "string" },
  chats: { type: "string" },
  note: { type: "string" },
  before: { type: "string" },
};

const OPTIONS = z.object({
  json: z.boolean().default(false),
  wait: z.boolean().default(false),
  open: z.boolean().default(false),
  help: z.boolean().default(false),
  limit: wholeNumber("--limit", 10_000).default(20),
  members: wholeNumber("--members", 5_000_000).optional(),
  chats: wholeNumber("--chats", 100_000).optional(),
  note: z.string().optional(),
  // rowId both checks and converts: its number, or the one line naming what it got.
  before: z.string().transform((raw, ctx) => {
    const id = rowId.safeParse(raw);
    if (id.success) return id.data;
    ctx.issues.push({
      code: "custom",
      input: raw,
      message: `--before expects an incident id (the #N of a listed one), got "${raw}"`,
    });
    return z.NEVER;
  }).optional(),
});

/** `args` after the command (and verb) through the one parser (cli_args.ts). */
export function readOptions(name: VerbName, args: string[]) {
  const allowed: readonly string[] = VERBS[name].options;
  const usage = helpOf([name]);
  let parsed;
  try {
    parsed = readArgs(
      args,
      Object.fromEntries(Object.entries(OPTION_TYPES).filter(([k]) => allowed.includes(k))),
      OPTIONS,
      allowed.length ? allowed.map((f) => `--${f}`).join(", ") : "none",
    );
  } catch (e) {
    if (!(e instanceof ArgsError)) throw e;
    const line = /^--\w+ expects/.test(e.message) ? e.message : `${name}: ${e.message}`;
    throw new UsageError(line, usage);
  }
  const rest = parsed.positionals;
  const [min, max] = VERBS[name].args;
  if (!parsed.values.help) {
    const missing = name === "jobs close-incident" ? "incident id" : "job name";
    if (rest.length < min) throw new UsageError(`${name}: missing ${missing}`, usage);
    if (rest.length > max) {
      throw new UsageError(`${name}: unexpected argument "${rest[max]}"`, usage);
    }
  }
  return { ...parsed.values, rest };
}

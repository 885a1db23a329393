/**
 * The operator's command line: `deno task migrate`, `deno task jobs <verb> …`,
 * `deno task telegram webhook …`.
 * It works on the database directly, so it works whether or not a server is up.
 */
import "./actors/process_warnings.ts"; // first: see there
import { z } from "zod";
import { UnknownJobError } from "./actors/errors.ts";
import type { JobSpec } from "./actors/job.ts";
import { runToJson } from "./actors/run_store.ts";
import { loadSetup } from "./catalog.ts";
import { incidents, list, run, status, withDb } from "./cli_jobs.ts";
import { previewCommand } from "./cli_schedule.ts";
import { telegramCommand } from "./cli_telegram.ts";
import { ArgsError, type OptionTypes, readArgs, wholeNumber } from "./cli_args.ts";
import { ConfigError, scrubSecrets, withDotEnv } from "./config.ts";
import { migrate } from "./db/migrate.ts";
import { pgRunStore } from "./db/run_store.ts";
import { seedCommunity } from "./domain/seed.ts";

/** Every command and verb: its usage line and what it does, in one line each. */
const VERBS = {
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
    usage: "deno task jobs incidents [--open] [--limit N] [--json]",
    does: "the newest incidents (a job given up, …), open or closed, newest first",
    args: [0, 0],
    options: ["json", "limit", "open"],
  },
  "jobs next": {
    usage: "deno task jobs next <name> [--from ISO] [--count N] [--json]",
    does: "the job's next N slots in UTC and its zone (no database)",
    args: [1, 1],
    options: [],
  },
  "schedule": {
    usage: 'deno task schedule "<cron>" [--tz ZONE] [--from ISO] [--count N] [--json]',
    does: "the next N slots of a cron expression in UTC and a zone (no database)",
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
type VerbName = keyof typeof VERBS;

const helpOf = (names: VerbName[]) =>
  `usage:\n${names.map((n) => `  ${VERBS[n].usage}\n      ${VERBS[n].does}`).join("\n")}`;
const ALL = Object.keys(VERBS) as VerbName[];
const USAGE = helpOf(ALL);
const JOBS_USAGE = helpOf(ALL.filter((n) => n.startsWith("jobs ")));

/** A command line that cannot be followed; the message is the one line printed. */
class UsageError extends Error {
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
};

const OPTIONS = z.object({
  json: z.boolean().default(false),
  wait: z.boolean().default(false),
  open: z.boolean().default(false),
  help: z.boolean().default(false),
  limit: wholeNumber("--limit", 10_000).default(20),
  members: wholeNumber("--members", 5_000_000).optional(),
  chats: wholeNumber("--chats", 100_000).optional(),
});

/** `args` after the command (and verb) through the one parser (cli_args.ts). */
function readOptions(name: VerbName, args: string[]) {
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
  const checked = { data: parsed.values };
  const rest = parsed.positionals;
  const [min, max] = VERBS[name].args;
  if (!checked.data.help) {
    if (rest.length < min) throw new UsageError(`${name}: missing job name`, usage);
    if (rest.length > max) {
      throw new UsageError(`${name}: unexpected argument "${rest[max]}"`, usage);
    }
  }
  return { ...checked.data, rest };
}

/** Runs one command line; returns the exit code. Output goes to `out`, problems to `err`. */
export async function cli(
  args: string[],
  env: Record<string, string | undefined> = withDotEnv(),
  out: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
): Promise<number> {
  // The previews read their options with node:util parseArgs (strict); no database.
  if (args[0] === "schedule") return previewCommand("schedule", args.slice(1), env, out, err);
  // The webhook's registration talks to the Bot API only (cli_telegram.ts).
  if (args[0] === "telegram") return await telegramCommand(args.slice(1), env, out, err);
  if (args[0] === "jobs" && args[1] === "next") {
    return previewCommand("jobs next", args.slice(2), env, out, err);
  }
  try {
    const [command, verb] = args;
    if (command === undefined) throw new UsageError("missing command");
    if (command === "--help" || command === "-h" || command === "help") {
      out(USAGE);
      return 0;
    }
    if (command === "jobs" && (verb === "--help" || verb === "-h")) {
      out(JOBS_USAGE);
      return 0;
    }
    const name = (command === "jobs" ? `jobs ${verb ?? ""}`.trim() : command) as VerbName;
    if (!(name in VERBS) || ["jobs next", "schedule", "telegram"].includes(name)) {
      throw command === "jobs"
        ? new UsageError(
          verb ? `unknown jobs verb "${verb}"` : "missing jobs verb",
          JOBS_USAGE,
        )
        : new UsageError(`unknown command "${command}"`);
    }
    const o = readOptions(name, args.slice(command === "jobs" ? 2 : 1));
    if (o.help) {
      out(helpOf([name]));
      return 0;
    }
    const rest = o.rest;
    const { config, specs } = loadSetup(env);
    const job = rest[0] === undefined ? undefined : pick(specs, rest[0]);
    const json = o.json;
    const io = { out };
    switch (name) {
      case "migrate":
        return await withDb(config, { migrated: false }, async (db) => {
          const r = await migrate(db.sql); // one line says what it did, not one per file too
          if (json) out(JSON.stringify(r));
          else {
            out(
              r.applied.length
                ? `applied ${r.applied.length} migration(s): ${r.applied.join(", ")}`
                : `up to date (${r.alreadyApplied} applied before)`,
            );
          }
          return 0;
        });
      case "seed": {
        const members = o.members ?? 1_000;
        const chats = o.chats ?? Math.max(1, Math.ceil(members / 1_000));
        return await withDb(config, async (db) => {
          const t0 = performance.now();
          const made = await seedCommunity(db.sql, { members, chats, now: new Date() });
          const seconds = (performance.now() - t0) / 1000;
          if (json) out(JSON.stringify({ ...made, seconds }));
          else {
            out(
              `seeded ${members} members in ${chats} chats in ${seconds.toFixed(1)} s (new rows: ${
                JSON.stringify(made)
              })`,
            );
          }
          return 0;
        });
      }
      case "jobs list":
        return list(specs, json, io);
      case "jobs incidents":
        return await withDb(
          config,
          (db) => incidents(db, { open: o.open, limit: o.limit, json }, io),
        );
      case "jobs status":
        return await withDb(
          config,
          (db) => status(db, job ? [job] : specs, { json, one: job !== undefined }, io),
        );
      case "jobs run":
        return await withDb(
          config,
          (db) =>
            run(db, config, job!, {
              wait: o.wait,
              json,
              redact: (line) => scrubSecrets(line, env),
            }, io),
        );
      case "jobs pause":
      case "jobs resume": {
        const paused = name === "jobs pause";
        return await withDb(config, async (db) => {
          await pgRunStore(db.sql).setPaused(job!.name, paused);
          if (json) out(JSON.stringify({ job: job!.name, paused }));
          else {out(
              `${paused ? "paused" : "resumed"} ${job!.name}: every replica ${
                paused ? "skips" : "runs"
              } its ticks from now on`,
            );}
          return 0;
        });
      }
      case "jobs history": {
        const limit = o.limit;
        return await withDb(config, async (db) => {
          const runs = await pgRunStore(db.sql).history(job!.name, limit);
          if (json) out(JSON.stringify(runs.map(runToJson)));
          else if (runs.length === 0) out(`no runs of ${job!.name} yet`);
          else {
            for (const r of runs) {
              const cells = [r.startedAt.toISOString(), r.outcome.padEnd(9), r.trigger.padEnd(8)];
              out(
                [...cells, `${r.durationMs ?? "-"} ms`.padStart(9), r.node, r.error ?? ""].join(
                  "  ",
                ).trimEnd(),
              );
            }
          }
          return 0;
        });
      }
    }
    throw new UsageError(`unhandled command ${name}`);
  } catch (error) {
    if (error instanceof UsageError) {
      err(`${error.message}\n${error.usage}`);
      return 64;
    }
    if (error instanceof UnknownJobError) {
      err(error.message);
      return 64;
    }
    if (error instanceof ConfigError) {
      err(error.message);
      return 2;
    }
    err(`failed: ${scrubSecrets(error instanceof Error ? error.message : String(error), env)}`);
    return 1;
  }
}

function pick(specs: JobSpec[], name: string): JobSpec {
  const spec = specs.find((s) => s.name === name);
  if (!spec) throw new UnknownJobError(name, specs.map((s) => s.name));
  return spec;
}

if (import.meta.main) Deno.exit(await cli(Deno.args));

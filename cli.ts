/**
 * The operator's command line: `deno task migrate`, `deno task jobs <verb> …`,
 * `deno task telegram webhook …`.
 * It works on the database directly, so it works whether or not a server is up.
 */
import { UnknownJobError } from "./actors/errors.ts";
import type { JobSpec } from "./actors/job.ts";
import { runToJson } from "./actors/run_store.ts";
import { loadSetup } from "./catalog.ts";
import { list, run, status, withDb } from "./cli_jobs.ts";
import { previewCommand } from "./cli_schedule.ts";
import { telegramCommand } from "./cli_telegram.ts";
import { ConfigError } from "./config.ts";
import { migrate } from "./db/migrate.ts";
import { pgRunStore } from "./db/run_store.ts";
import { seedCommunity } from "./domain/seed.ts";

const USAGE = `usage:
  deno task migrate [--json]
  deno task jobs list [--json]
  deno task jobs status [name] [--json]
  deno task jobs run <name> [--wait] [--json]
  deno task jobs pause <name> [--json]
  deno task jobs resume <name> [--json]
  deno task jobs history <name> [--limit N] [--json]
  deno task jobs next <name> [--from ISO] [--count N] [--json]
  deno task schedule "<cron>" [--tz ZONE] [--from ISO] [--count N] [--json]
  deno task seed [--members N] [--chats M] [--json]
  deno task telegram webhook set --url URL | delete [--drop-pending-updates] | info [--json]`;

/** A command line that cannot be followed; the message is the one line printed. */
class UsageError extends Error {
  override name = "UsageError";
}

interface Parsed {
  positional: string[];
  flags: Record<string, string | true>;
}

const VALUED = new Set(["limit", "members", "chats"]);

function parse(args: string[]): Parsed {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const [key, value] = a.slice(2).split("=", 2);
    if (value !== undefined) flags[key] = value;
    else if (VALUED.has(key)) flags[key] = args[++i] ?? "";
    else flags[key] = true;
  }
  return { positional, flags };
}

/** What each command accepts: positional count and options. */
const SHAPES: Record<string, { args: [number, number]; flags: string[] }> = {
  "migrate": { args: [0, 0], flags: ["json"] },
  "jobs list": { args: [0, 0], flags: ["json"] },
  "jobs status": { args: [0, 1], flags: ["json"] },
  "jobs run": { args: [1, 1], flags: ["json", "wait"] },
  "jobs pause": { args: [1, 1], flags: ["json"] },
  "jobs resume": { args: [1, 1], flags: ["json"] },
  "jobs history": { args: [1, 1], flags: ["json", "limit"] },
  "seed": { args: [0, 0], flags: ["json", "members", "chats"] },
};

/** Runs one command line; returns the exit code. Output goes to `out`, problems to `err`. */
export async function cli(
  args: string[],
  env: Record<string, string | undefined> = Deno.env.toObject(),
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
    const p = parse(args);
    const [command, verb] = p.positional;
    if (!command) throw new UsageError("missing command");
    const name = command === "jobs" ? `jobs ${verb ?? ""}`.trim() : command;
    const shape = SHAPES[name];
    if (!shape) {
      throw new UsageError(
        command === "jobs"
          ? (verb ? `unknown jobs verb "${verb}"` : "missing jobs verb")
          : `unknown command "${command}"`,
      );
    }
    const rest = p.positional.slice(command === "jobs" ? 2 : 1);
    if (rest.length < shape.args[0]) throw new UsageError(`${name}: missing job name`);
    if (rest.length > shape.args[1]) {
      throw new UsageError(`${name}: unexpected argument "${rest[shape.args[1]]}"`);
    }
    for (const key of Object.keys(p.flags)) {
      if (!shape.flags.includes(key)) {
        throw new UsageError(
          `${name}: unknown option --${key}; expected ${
            shape.flags.map((f) => `--${f}`).join(", ")
          }`,
        );
      }
    }
    const { config, specs } = loadSetup(env);
    const job = rest[0] === undefined ? undefined : pick(specs, rest[0]);
    const json = p.flags.json === true;
    const io = { out };
    switch (name) {
      case "migrate":
        return await withDb(config, { migrated: false }, async (db) => {
          const r = await migrate(db.sql, { log: json ? undefined : out });
          if (json) out(JSON.stringify(r));
          else {out(
              r.applied.length
                ? `applied ${r.applied.length} migration(s)`
                : `up to date (${r.alreadyApplied} applied before)`,
            );}
          return 0;
        });
      case "seed": {
        const members = count(p.flags.members, "--members", 1_000, 5_000_000);
        const chats = count(
          p.flags.chats,
          "--chats",
          Math.max(1, Math.ceil(members / 1_000)),
          100_000,
        );
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
      case "jobs status":
        return await withDb(
          config,
          (db) => status(db, job ? [job] : specs, { json, one: job !== undefined }, io),
        );
      case "jobs run":
        return await withDb(
          config,
          (db) => run(db, config, job!, { wait: p.flags.wait === true, json }, io),
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
        const limit = p.flags.limit === undefined ? 20 : Number(p.flags.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
          throw new UsageError(
            `--limit must be a whole number from 1 to 10000, got "${p.flags.limit}"`,
          );
        }
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
      err(`${error.message}\n${USAGE}`);
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
    err(`failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

function count(
  raw: string | true | undefined,
  flag: string,
  fallback: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(
      `${flag} must be a whole number from 1 to ${max}, got "${raw === true ? "" : raw}"`,
    );
  }
  return n;
}

function pick(specs: JobSpec[], name: string): JobSpec {
  const spec = specs.find((s) => s.name === name);
  if (!spec) throw new UnknownJobError(name, specs.map((s) => s.name));
  return spec;
}

if (import.meta.main) Deno.exit(await cli(Deno.args));

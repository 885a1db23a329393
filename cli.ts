/**
 * The operator's command line: `deno task migrate`, `deno task jobs <verb> …`,
 * `deno task telegram webhook …`.
 * It works on the database directly, so it works whether or not a server is up.
 */
import "./actors/process_warnings.ts"; // first: see there
import { UnknownJobError } from "./actors/errors.ts";
import { runToJson } from "./actors/run_store.ts";
import { jobNamed, loadSetup } from "./catalog.ts";
import { closeArgs, closeOne, incidents, list, run, status, withDb } from "./cli_jobs.ts";
import { previewCommand } from "./cli_schedule.ts";
import { telegramCommand } from "./cli_telegram.ts";
import {
  helpOf,
  JOBS_USAGE,
  readOptions,
  USAGE,
  UsageError,
  type VerbName,
  VERBS,
} from "./cli_verbs.ts";
import { ConfigError, scrubSecrets, withDotEnv } from "./config.ts";
import { migrate } from "./db/migrate.ts";
import { pgRunStore } from "./db/run_store.ts";
import { seedCommunity } from "./domain/seed.ts";

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
    const setup = loadSetup(env);
    const { config, specs } = setup;
    // the runs of a job the config now leaves out are still there to read
    const job = rest[0] === undefined || name === "jobs close-incident" ||
        (name === "jobs history" && setup.off.has(rest[0]))
      ? undefined
      : jobNamed(setup, rest[0]);
    const json = o.json;
    const io = { out, err };
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
            // a second seed adds only members it has not made before: say how many were new
            const there = made.members < members ? `, ${members - made.members} there already` : "";
            out(
              `seeded ${members} members in ${chats} chats in ${
                seconds.toFixed(1)
              } s (${made.members} new${there}; new rows: ${JSON.stringify(made)})`,
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
          (db) => incidents(db, { open: o.open, limit: o.limit, beforeId: o.before, json }, io),
        );
      case "jobs close-incident": {
        const close = closeArgs(rest[0], o.note);
        return await withDb(config, (db) => closeOne(db, config, { ...close, json }, io));
      }
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
        const [limit, jobName] = [o.limit, job?.name ?? rest[0]];
        return await withDb(config, async (db) => {
          const runs = await pgRunStore(db.sql).history(jobName, limit);
          if (json) out(JSON.stringify(runs.map(runToJson)));
          else if (runs.length === 0) out(`no runs of ${jobName} yet`);
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

if (import.meta.main) Deno.exit(await cli(Deno.args));

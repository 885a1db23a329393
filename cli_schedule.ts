/**
 * The schedule preview: `deno task schedule "<cron>" [--tz ZONE] [--from ISO] [--count N] [--json]`
 * and `deno task jobs next <name> [--from ISO] [--count N] [--json]` print the next slots in UTC
 * and in the zone, with its offset. No database: the slots are the schedule's alone.
 */
import { z } from "zod";
import { ArgsError, type OptionTypes, readArgs, wholeNumber } from "./cli_args.ts";
import { describeError } from "./actors/log.ts";
import { UnknownJobError } from "./actors/errors.ts";
import { describeSchedule, nextSlot, parseSchedule, type Schedule } from "./actors/schedule.ts";
import { isZone, localLabel, offsetLabel, zoneName } from "./actors/zone.ts";
import { jobNamed, loadSetup } from "./catalog.ts";
import { ConfigError } from "./config.ts";

export const SCHEDULE_HELP =
  `usage: deno task schedule "<cron>" [--tz ZONE] [--from ISO] [--count N] [--json]
  the next N (default 5, at most 1000) slots of a 5-field cron expression (or an interval,
  "every 30s") after --from (default now), in UTC and in ZONE (an IANA zone, default UTC) with
  its offset`;

export const NEXT_HELP = `usage: deno task jobs next <name> [--from ISO] [--count N] [--json]
  the next N (default 5, at most 1000) slots of a configured job, in its zone`;

const HH = "(?:[01]\\d|2[0-3])", MM = "[0-5]\\d";
/**
 * 2026-05-01, 2026-05-01T08:00, 2026-05-01T08:00:00.000Z, 2026-05-01T08:00:00+02:00: hours to 23,
 * minutes and seconds to 59, offsets to ±23:59 (`Date.parse` rolls 24:00 over to the next day).
 */
const ISO_TIME = new RegExp(
  String.raw`^(\d{4}-\d\d-\d\d)(?:T${HH}:${MM}(?::${MM}(?:\.\d{1,9})?)?(?:Z|[+-]${HH}:${MM})?)?$`,
);

const options = z.object({
  tz: z.string().refine(isZone, {
    error: (i) => `--tz expects an IANA zone like Europe/Madrid, got ${JSON.stringify(i.input)}`,
  }).transform(zoneName)
    .default("UTC"),
  from: z.string().refine(
    (s) => {
      // ISO 8601 only: `Date.parse` alone also takes "1" (2001) or "June 5" (2001-06-05).
      const date = ISO_TIME.exec(s)?.[1];
      // A day the calendar has, checked as the HTTP routes' zod instants check it: `Date.parse`
      // reads 2026-02-30 as 2026-03-02.
      if (!date || !z.iso.date().safeParse(date).success) return false;
      const t = Date.parse(s);
      return !Number.isNaN(t) && t >= Date.UTC(1970, 0, 1) && t < Date.UTC(10000, 0, 1);
    },
    {
      error: (i) =>
        "--from expects an ISO time between 1970 and 9999, on a day and at a time that exist, " +
        `got ${JSON.stringify(i.input)}`,
    },
  ).transform((s) => new Date(s)).optional(),
  count: wholeNumber("--count", 1000).default(5),
  json: z.boolean().default(false),
  help: z.boolean().default(false),
});

/** Bad input: one line, exit 64. */
class PreviewError extends Error {
  override name = "PreviewError";
}

function read(args: string[], withTz: boolean) {
  try {
    const { values, positionals } = readArgs(
      args,
      {
        ...(withTz ? { tz: { type: "string" } } : {}),
        from: { type: "string" },
        count: { type: "string" },
        json: { type: "boolean" },
      } as OptionTypes,
      options,
      `${withTz ? "--tz, " : ""}--from, --count, --json or --help`,
    );
    return { positionals, ...values };
  } catch (e) {
    if (e instanceof ArgsError) throw new PreviewError(e.message);
    throw e;
  }
}

/** The next `count` slots after `from`, each in UTC and in `zone` with its offset. */
export function preview(schedule: Schedule, zone: string, from: Date, count: number) {
  const slots = [];
  for (let at = from, i = 0; i < count; i++) {
    at = nextSlot(schedule, at);
    const t = at.getTime();
    slots.push({ utc: at.toISOString(), local: localLabel(zone, t), offset: offsetLabel(zone, t) });
  }
  return slots;
}

function print(
  head: { schedule: string; timezone: string; from: Date },
  slots: ReturnType<typeof preview>,
  json: boolean,
  out: (line: string) => void,
) {
  if (json) {
    out(JSON.stringify({ ...head, from: head.from.toISOString(), slots }));
    return;
  }
  out(`${head.schedule} in ${head.timezone}, after ${head.from.toISOString()}:`);
  for (const s of slots) out(`  ${s.utc}  ${s.local} ${s.offset}`);
}

/**
 * Runs `schedule …` (`command` "schedule") or `jobs next …` (`command` "jobs next") with the
 * arguments after the command; returns the exit code: 0, 64 for bad input, 2 for a bad config.
 */
export function previewCommand(
  command: "schedule" | "jobs next",
  args: string[],
  env: Record<string, string | undefined>,
  out: (line: string) => void,
  err: (line: string) => void,
): number {
  const help = command === "schedule" ? SCHEDULE_HELP : NEXT_HELP;
  try {
    const o = read(args, command === "schedule");
    if (o.help) {
      out(help);
      return 0;
    }
    if (o.positionals.length !== 1) {
      throw new PreviewError(
        command === "schedule"
          ? `expected one cron expression in quotes, got ${o.positionals.length} arguments`
          : `expected one job name, got ${o.positionals.length} arguments`,
      );
    }
    const from = o.from ?? new Date();
    if (command === "schedule") {
      let schedule: Schedule;
      try {
        // read as JOB_<NAME>_SCHEDULE is (config.ts): a cron expression or `every 30s`
        const text = o.positionals[0];
        schedule = parseSchedule(
          /^every\s+/.test(text) ? { every: text.replace(/^every\s+/, "") } : text,
          o.tz,
        );
      } catch (e) {
        throw new PreviewError((e as Error).message);
      }
      const head = { schedule: describeSchedule(schedule), timezone: o.tz, from };
      print(head, preview(schedule, o.tz, from, o.count), o.json, out);
      return 0;
    }
    const spec = jobNamed(loadSetup(env), o.positionals[0]);
    const zone = spec.timezone ?? "UTC";
    const head = {
      job: spec.name,
      schedule: describeSchedule(spec.schedule),
      timezone: zone,
      from,
    };
    print(head, preview(spec.schedule, zone, from, o.count), o.json, out);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      err(error.message);
      return 2;
    }
    if (error instanceof PreviewError || error instanceof UnknownJobError) {
      err(`${command}: ${error.message.split("\n")[0]} (--help for usage)`);
      return 64;
    }
    err(`${command}: failed: ${describeError(error).split("\n")[0]}`);
    return 1;
  }
}

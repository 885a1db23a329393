/**
 * Bad arguments to `deno task jobs|schedule|seed|telegram` answer exit 64 and a first line naming
 * the option and what it got; all of these are refused before any database or Bot API is asked.
 */
import assert from "node:assert/strict";
import { cli } from "../cli.ts";
import { testDatabase } from "./db.ts";

const ENV = { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" };

async function bad(args: string[]): Promise<string> {
  const lines: string[] = [];
  const code = await cli(args, ENV, (l) => lines.push(l), (l) => lines.push(l));
  assert.equal(code, 64, `${args.join(" ")}: ${lines.join("\n")}`);
  return lines.join("\n").split("\n")[0];
}

Deno.test("a negative number is read as the value it is, and refused by name", async () => {
  const cases: Array<[string[], string]> = [
    [
      ["jobs", "incidents", "--limit", "-1"],
      '--limit expects a whole number from 1 to 10000, got "-1"',
    ],
    [
      ["jobs", "history", "level-ups", "--limit", "-5"],
      '--limit expects a whole number from 1 to 10000, got "-5"',
    ],
    [
      ["jobs", "close-incident", "-1", "--note", "x"],
      'jobs close-incident: expected an incident id (#N in jobs incidents), got "-1"',
    ],
    [
      ["seed", "--members", "-3"],
      '--members expects a whole number from 1 to 5000000, got "-3"',
    ],
    [
      ["schedule", "0 8 * * *", "--count", "-1"],
      'schedule: --count expects a whole number from 1 to 1000, got "-1" (--help for usage)',
    ],
    [
      ["schedule", "0 8 * * *", "--from", "yesterday"],
      "schedule: --from expects an ISO time between 1970 and 9999, on a day and at a time that " +
      'exist, got "yesterday" (--help for usage)',
    ],
    [
      ["jobs", "next", "level-ups", "--count", "5000"],
      'jobs next: --count expects a whole number from 1 to 1000, got "5000" (--help for usage)',
    ],
    [
      ["telegram", "webhook", "set", "--url", "http://example.org/telegram/webhook"],
      '--url expects an https URL, got "http://example.org/telegram/webhook"',
    ],
  ];
  for (const [args, line] of cases) assert.equal(await bad(args), line, args.join(" "));
});

Deno.test("a job the config leaves out is named so, not unknown; a near miss gets a guess", async () => {
  const off = { ...ENV, JOB_LEVEL_UPS_ENABLED: "false" };
  async function line(args: string[], env: Record<string, string>): Promise<string> {
    const lines: string[] = [];
    const code = await cli(args, env, (l) => lines.push(l), (l) => lines.push(l));
    assert.equal(code, 64, `${args.join(" ")}: ${lines.join("\n")}`);
    return lines.join("\n").split("\n")[0];
  }
  for (const verb of ["run", "pause", "resume", "status"]) {
    assert.equal(
      await line(["jobs", verb, "level-ups"], off),
      'job "level-ups" does not run here: JOB_LEVEL_UPS_ENABLED=false leaves it out',
    );
  }
  assert.equal(
    await line(["jobs", "next", "level-ups"], off),
    'jobs next: job "level-ups" does not run here: JOB_LEVEL_UPS_ENABLED=false leaves it out ' +
      "(--help for usage)",
  );
  assert.equal(
    await line(["jobs", "run", "level-ups"], { ...ENV, AUTO_PROGRESSION_ENABLED: "false" }),
    'job "level-ups" does not run here: AUTO_PROGRESSION_ENABLED=false leaves it out',
  );
  assert.equal(
    await line(["jobs", "status", "verdict-check"], ENV),
    'job "verdict-check" does not run here: it runs with SETTLEMENT_RAIL=evm only',
  );
  assert.match(
    await line(["jobs", "run", "level-up"], ENV),
    /^unknown job "level-up": known jobs are lease-rescue, .*; did you mean level-ups\?$/,
  );
  assert.match(await line(["jobs", "next", "LEASE-RESCUE"], ENV), /did you mean lease-rescue\?/);
  assert.doesNotMatch(await line(["jobs", "run", "frobnicate"], ENV), /did you mean/);
});

Deno.test("jobs history reads the runs of a job the config now leaves out", async () => {
  await using db = await testDatabase({ share: true });
  await db.sql`INSERT INTO job_runs (id, job, scheduled_for, trigger, node, outcome, finished_at)
    VALUES (gen_random_uuid(), 'level-ups', now(), 'manual', 'n1', 'succeeded', now())`;
  const out: string[] = [];
  const err: string[] = [];
  const env = { ...db.env, JOB_LEVEL_UPS_ENABLED: "false" };
  const code = await cli(
    ["jobs", "history", "level-ups", "--json"],
    env,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  assert.equal(code, 0, err.join("\n"));
  assert.deepEqual(JSON.parse(out[0]).map((r: { node: string }) => r.node), ["n1"]);
});

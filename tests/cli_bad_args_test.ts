/**
 * Bad arguments to `deno task jobs|schedule|seed|telegram` answer exit 64 and a first line naming
 * the option and what it got; all of these are refused before any database or Bot API is asked.
 */
import assert from "node:assert/strict";
import { cli } from "../cli.ts";

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

import assert from "node:assert/strict";
import { previewCommand } from "../cli_schedule.ts";
import { denoChild } from "./fakes/deno_child.ts";

/** `deno task -q <args>` in a child process, with `env` on top of a clean one. */
function task(args: string[], env: Record<string, string> = {}) {
  return denoChild(["task", "-q", ...args], { env, clean: true });
}

Deno.test("deno task schedule previews slots in UTC and local time across a DST change", async () => {
  const r = await task([
    "schedule",
    "30 2 * * *",
    "--tz",
    "Europe/Madrid",
    "--from",
    "2026-03-27T00:00:00Z",
    "--count",
    "4",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    [
      "30 2 * * * in Europe/Madrid, after 2026-03-27T00:00:00.000Z:",
      "  2026-03-27T01:30:00.000Z  2026-03-27 02:30 +01:00",
      "  2026-03-28T01:30:00.000Z  2026-03-28 02:30 +01:00",
      "  2026-03-29T01:00:00.000Z  2026-03-29 03:00 +02:00",
      "  2026-03-30T00:30:00.000Z  2026-03-30 02:30 +02:00",
    ].join("\n"),
  );
  const json = await task(["schedule", "0 0 * * 7", "--from", "2026-05-01T00:00:00Z", "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const body = JSON.parse(json.stdout);
  assert.equal(body.timezone, "UTC");
  assert.equal(body.slots.length, 5);
  assert.deepEqual(body.slots[0], {
    utc: "2026-05-03T00:00:00.000Z",
    local: "2026-05-03 00:00",
    offset: "+00:00",
  });
});

Deno.test("deno task jobs next previews a configured job in its zone", async () => {
  const weekly = await task([
    "jobs",
    "next",
    "leaderboard-reset-weekly",
    "--from",
    "2026-11-21T12:00:00Z",
    "--count",
    "2",
    "--json",
  ], { SCHEDULE_TIMEZONE: "Europe/Madrid" });
  assert.equal(weekly.code, 0, weekly.stderr);
  const w = JSON.parse(weekly.stdout);
  assert.equal(w.timezone, "UTC", "weeks are UTC by nature");
  assert.deepEqual(w.slots.map((s: { utc: string }) => s.utc), [
    "2026-11-23T00:00:00.000Z",
    "2026-11-30T00:00:00.000Z",
  ]);
  const expiry = await task(
    ["jobs", "next", "streak-expiry", "--from", "2026-10-24T12:00:00Z", "--count", "2"],
    { JOB_STREAK_EXPIRY_TIMEZONE: "Europe/Madrid" },
  );
  assert.equal(expiry.code, 0, expiry.stderr);
  assert.match(expiry.stdout, /^0 0 \* \* \* in Europe\/Madrid/);
  assert.match(expiry.stdout, /2026-10-24T22:00:00.000Z {2}2026-10-25 00:00 \+02:00/);
  assert.match(expiry.stdout, /2026-10-25T23:00:00.000Z {2}2026-10-26 00:00 \+01:00/);
});

Deno.test("bad preview input: one line saying what is wrong, exit 64; --help exits 0", async () => {
  const cases: Array<[string[], RegExp]> = [
    [["schedule", "61 * * * *"], /^schedule: Cannot read cron "61 \* \* \* \*": field minute/],
    [["schedule", "* * * *"], /expected 5 fields/],
    [["schedule", "0 8 * * *", "--tz", "Mars/Olympus"], /--tz expects an IANA zone/],
    [
      ["schedule", "0 8 * * *", "--tz", "US/Pacific-New"],
      /--tz expects an IANA zone like Europe\/Madrid, got "US\/Pacific-New" /,
    ],
    [["schedule", "0 8 * * *", "--count", "0"], /--count expects a whole number from 1 to 1000/],
    [["schedule", "0 8 * * *", "--from", "yesterday"], /--from expects an ISO time/],
    [["schedule", "0 8 * * *", "--bogus"], /unknown option --bogus; expected --tz, --from/],
    [["schedule"], /expected one cron expression in quotes, got 0 arguments/],
    [["jobs", "next", "nope"], /^jobs next: unknown job "nope": known jobs are lease-rescue/],
    [["jobs", "next", "level-ups", "--tz", "UTC"], /unknown option --tz; expected --from/],
  ];
  const results = await Promise.all(cases.map(([args]) => task(args)));
  results.forEach((r, i) => {
    const [args, message] = cases[i];
    assert.equal(r.code, 64, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.split("\n").length, 1, `one line: ${r.stderr}`);
    assert.equal(r.stdout, "");
  });
  const [help, nextHelp, badConfig] = await Promise.all([
    task(["schedule", "--help"]),
    task(["jobs", "next", "--help"]),
    task(["jobs", "next", "level-ups"], { JOB_LEVEL_UPS_TIMEZONE: "Europe/Madird" }),
  ]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: deno task schedule "<cron>" \[--tz ZONE\]/);
  assert.equal(nextHelp.code, 0);
  assert.match(nextHelp.stdout, /^usage: deno task jobs next <name>/);
  assert.equal(badConfig.code, 2, "a bad configuration is exit 2, as everywhere");
  assert.match(badConfig.stderr, /JOB_LEVEL_UPS_TIMEZONE="Europe\/Madird"/);
});

Deno.test("--from takes ISO 8601 only, --count no leading zeros (in process: the same command)", () => {
  const run = (args: string[]) => {
    const lines: string[] = [];
    const code = previewCommand("schedule", ["0 8 * * *", ...args], {}, () => {}, (l) => {
      lines.push(l);
    });
    return { code, err: lines.join("\n") };
  };
  // Date.parse alone read these as 2001-01-01, 2001-12-01 and 2001-06-05.
  for (const from of ["1", "tomorrow 12", "June 5", "2026-5-1", "2026-05-01 08:00"]) {
    const r = run(["--from", from]);
    assert.equal(r.code, 64, from);
    assert.match(r.err, /--from expects an ISO time between 1970 and 9999/, from);
  }
  // Days and times that do not exist: Date.parse rolled them over (2026-02-30 was 2026-03-02).
  for (
    const from of [
      "2026-02-30T00:00:00Z",
      "2025-02-29",
      "2026-04-31",
      "2026-13-01",
      "2026-05-01T24:00Z",
      "2026-05-01T08:60Z",
      "2026-05-01T08:00:60Z",
      "2026-05-01T08:00+25:00",
    ]
  ) {
    const r = run(["--from", from]);
    assert.equal(r.code, 64, from);
    assert.match(r.err, /--from expects an ISO time between 1970 and 9999/, from);
  }
  for (
    const from of ["2026-05-01", "2024-02-29", "2026-05-01T08:00Z", "2026-05-01T08:00:00.5+02:00"]
  ) {
    assert.equal(run(["--from", from]).code, 0, from);
  }
  const zeros = run(["--count", "007"]);
  assert.equal(zeros.code, 64);
  assert.match(zeros.err, /--count expects a whole number from 1 to 1000/);
});

Deno.test("schedule previews an `every 30s` interval, as JOB_<NAME>_SCHEDULE takes it", () => {
  const run = (expression: string) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = previewCommand(
      "schedule",
      [expression, "--tz", "Europe/Madrid", "--from", "2026-05-01T08:00:10Z", "--count", "2"],
      {},
      (l) => out.push(l),
      (l) => err.push(l),
    );
    return { code, out: out.join("\n"), err: err.join("\n") };
  };
  assert.deepEqual(run("every 45s"), {
    code: 0,
    out: [
      "every 45s in Europe/Madrid, after 2026-05-01T08:00:10.000Z:",
      "  2026-05-01T08:00:45.000Z  2026-05-01 10:00 +02:00",
      "  2026-05-01T08:01:30.000Z  2026-05-01 10:01 +02:00",
    ].join("\n"),
    err: "",
  });
  const zero = run("every 0s");
  assert.equal(zero.code, 64);
  assert.equal(
    zero.err,
    `schedule: Cannot use interval "0s": it must be between 100ms and 24h (--help for usage)`,
  );
});

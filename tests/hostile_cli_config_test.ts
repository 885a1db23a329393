/**
 * Hostile input over every CLI verb and configuration variable the README lists: every CLI
 * error one line naming the problem (then the usage), no stack, no crash; every bad variable
 * refused, named, and no secret echoed. The variables are read from the README's table.
 */
import assert from "node:assert/strict";
import { loadSetup } from "../catalog.ts";
import { ConfigError } from "../config.ts";
import { testDatabase } from "./db.ts";
import { wardenLines } from "./fakes/deno_child.ts";
import { LONG, report, ROOT, section, show, STACK } from "./fakes/hostile.ts";
import { spawnWarden } from "./fakes/process.ts";

/** Arguments (`|`-separated), what stderr's first line must say, and any environment needed. */
type CliCase = [string, RegExp, Record<string, string>?];
const TG = { TELEGRAM_BOT_TOKEN: "123456:SECRETtokenZZ", TELEGRAM_WEBHOOK_SECRET: "SecretQ7x" };
// deno-fmt-ignore
const CLI_CASES: CliCase[] = [
  ["migrate|--force", /unknown option --force/], ["migrate|--json=1", /--json takes no value/],
  ["migrate|now", /unexpected argument "now"/], ["jobs|list|--limit|5", /unknown option --limit/],
  [`jobs|status|${LONG}`, /unknown job "x{5000}"/], ["jobs|frob", /unknown jobs verb "frob"/],
  ["jobs|status|lease-rescue|level-ups", /unexpected argument "level-ups"/],
  ["jobs|run", /missing job name/], ["jobs|run|' OR 1=1 --", /unknown job "' OR 1=1 --"/],
  ["jobs|run|lease-rescue|--wait=maybe", /--wait takes no value/], ["jobs|run|🙂", /unknown job "🙂"/],
  ["jobs|pause|LEASE-RESCUE", /unknown job "LEASE-RESCUE"/], ["jobs|resume", /missing job name/],
  ["jobs|pause|lease-rescue|--json=1", /--json takes no value/],
  ["jobs|resume|lease-rescue|--wait", /unknown option --wait/],
  ...["1e3", "0x10", " 7", "", "-1", "0", "99999999999999999999", "7.0"]
    .map((n): CliCase => [`jobs|history|lease-rescue|--limit|${n}`, /--limit (expects|needs)/]),
  ["jobs|history|lease-rescue|--limit", /--limit needs a value/],
  ["jobs|history|lease-rescue|--limit|5|--limit|6", /^jobs history: --limit given 2 times: expected it once/],
  ["schedule|* * * * *|--tz|UTC|--tz|Europe/Madrid", /--tz given 2 times/],
  ["jobs|list|--json|--json", /--json given 2 times/], ["seed|--members|5|--members=6", /--members given 2 times/],
  ["schedule|* * * * *|--from|2026-02-30T00:00:00Z", /--from expects/],
  ["jobs|next|level-ups|--from|2026-04-31", /--from expects/],
  ["jobs|next", /expected one job name/], ["jobs|next|nope", /unknown job "nope"/],
  ["jobs|next|level-ups|--count|-1", /--count/], ["jobs|next|level-ups|--count|1e3", /--count expects/],
  ["jobs|next|level-ups|--from|not-a-date", /--from expects/], ["jobs|next|level-ups|--tz|UTC", /--tz/],
  ["jobs|next|level-ups|--from|+275760-09-13T00:00:00Z", /--from/],
  ["schedule", /expected one cron expression/], ["schedule|61 * * * *", /field minute "61" is invalid/],
  [`schedule|${LONG}`, /Cannot read cron/], ["schedule|0 0 30 2 *", /never fires/],
  ["schedule|* * * * *|--tz|Mars/Base", /--tz expects an IANA zone/],
  ["schedule|* * * * *|--from|not-a-date", /--from expects an ISO time/],
  ["schedule|* * * * *|--from|+275760-09-13T00:00:00Z", /--from/],
  ...["1e3", "0x10", " 7", "0", "1001"]
    .map((n): CliCase => [`schedule|* * * * *|--count|${n}`, /--count expects/]),
  ["schedule|* * * * *|--json=1", /--json/], ["seed|--members|-1", /--members/],
  ["seed|--members|0x10", /--members expects/], ["seed|--chats| 7", /--chats expects/],
  ["seed|extra", /unexpected argument "extra"/], ["telegram", /missing command/],
  ["telegram|webhook|frob", /unknown webhook verb "frob"/], ["telegram|webhook|set", /missing --url/, TG],
  ["telegram|webhook|set|--url|http://x.example/telegram/webhook", /--url expects an https URL/, TG],
  ["telegram|webhook|delete|--drop-pending-updates=1", /--drop-pending-updates/, TG],
  ["telegram|webhook|info", /TELEGRAM_BOT_TOKEN/],
  ["jobs|list", /PORT="abc"/, { PORT: "abc", ADMIN_TOKEN: "hunter2 is secret" }],
  // the start's line, not the OS error ("File exists (os error 17): mkdir …")
  ["jobs|status", /^failed: DATA_DIR=".+" cannot hold the database: it is a file, not a directory$/,
    { DATABASE_URL: "", DATA_DIR: new URL(import.meta.url).pathname }],
];

Deno.test("every CLI verb with hostile arguments: exit non-zero, one line naming the problem, no stack", async () => {
  await using db = await testDatabase({ share: true });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  listener.close(); // nobody answers there: the Bot API is unreachable
  const unreachable = { ...TG, TELEGRAM_API_ROOT: `http://127.0.0.1:${listener.addr.port}` };
  const cases: CliCase[] = [...CLI_CASES, ["telegram|webhook|info", /^failed: /, unreachable]];
  const secrets = ["hunter2", "SECRETtokenZZ", "SecretQ7x"];
  const failures: string[] = [];
  async function check([argLine, expected, env]: CliCase) {
    const args = argLine.split("|");
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "cli.ts", ...args],
      cwd: ROOT,
      env: { NO_COLOR: "1", LOG_LEVEL: "warn", ...db.env, ...env },
      stdin: "null",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr).trimEnd();
    const mine = wardenLines(stderr);
    const warnings = mine.filter((l) => /Warning/.test(l));
    const lines = mine.filter((l) => !warnings.includes(l));
    // a configuration error lists its problems under one header line; others are one line + usage
    const problem = lines[0] === "Invalid configuration:" ? lines.slice(1).join("\n") : lines[0];
    const bad = [
      out.code === 0 && "exit 0",
      !expected.test(problem) && `first line does not match ${expected}`,
      STACK.test(stderr) && "a stack trace",
      lines.slice(1).some((l) => !/^(usage:|\s)/.test(l)) && "more than one line before the usage",
      warnings.length && `a stray line: ${show(warnings[0])}`,
      secrets.some((s) => stderr.includes(s)) && "a secret echoed",
    ].filter(Boolean);
    if (bad.length) {
      const said = show(lines.slice(0, 3).join(" / "));
      failures.push(
        `${args.map(show).join(" ")} → exit ${out.code}, ${bad.join(", ")}:\n  ${said}`,
      );
    }
  }
  for (let i = 0; i < cases.length; i += 2) await Promise.all(cases.slice(i, i + 2).map(check));
  report(failures, `${cases.length} command lines`);
  console.log(`${cases.length} command lines, none broke the rule`);
});

const INT = ["abc", " 8", "-1", "99999999999999999999", "1e3", "0x10", "1.5"];
const BOOL = ["maybe", "tru", "2", "yes please"];
const ZONE = ["Mars/Base", "UTC+25", "../../etc/passwd", "   ", "+05:30", "-03"];
/** Bad values per variable (DATA_DIR's are found at start: startup_test.ts); then an environment they need. */
// deno-fmt-ignore
const BAD: Record<string, [string[], Record<string, string>?]> = {
  DATABASE_URL: [["mysql://u:Pa55wordXYZ@h/db", "postgres://u:Pa55wordXYZ@h:5432", "not a url", "   ",
    "postgres://postgres@127.0.0.1:99999/x", "postgres://u@h:0/x", "postgres://postgres@[::1/x",
    "postgres://u:p%ZZ@h/x", "postgres://u%ZZ@h/x", "postgres://u@h1:5432,h2:70000/x", "postgres://h%ZZ/x"]],
  DATA_DIR: [[]], PORT: [[...INT, "65536"]], SHUTDOWN_TIMEOUT_MS: [[...INT, "600001"]],
  DATABASE_WAIT_SECONDS: [[...INT, "601"]], OUTBOX_RETENTION_DAYS: [[...INT, "0", "3651"]], PAUSE_ALERT_AFTER: [["soon", "30s", "-1h", "24 h", "1e3m"]],
  RUN_HISTORY_RETENTION_DAYS: [[...INT, "0"]], EVENTS_RETENTION_DAYS: [[...INT, "0"]], QUIZ_RETENTION_DAYS: [[...INT, "0"]],
  METRICS_RETENTION_DAYS: [[...INT, "0", "3651"]], STREAK_REMINDER_HOURS: [[...INT, "0", "48"]],
  DASHBOARD_PUBLIC_READS: [["yes please", "2", "truee"]], DASHBOARD_SESSION_HOURS: [[...INT, "0", "721"]],
  ADMIN_TOKEN: [["short", "has spaces in it 0123456789", "Bearer abcdefghijklmnop", "tökentökentökentöken"]],
  TELEGRAM_BOT_TOKEN: [["abc", "123456:ABC DEF", ":", "123456:", LONG + " "]],
  TELEGRAM_MODE: [["Polling", "webhooks", " polling", "1"]],
  TELEGRAM_WEBHOOK_SECRET: [["has space", "x".repeat(257), "sécret-value"]],
  TELEGRAM_WEBHOOK_URL: [["http://x.example/telegram/webhook", "not a url", "ftp://u:HookPass9@h/x", "   "],
    { TELEGRAM_MODE: "webhook", TELEGRAM_WEBHOOK_SECRET: "s3cret" }],
  TELEGRAM_API_ROOT: [["ftp://u:ApiPassQ9@h", "file:///etc/passwd", "not a url", "javascript:alert(1)"]],
  ADMIN_CHAT_ID: [["abc", "1.5", "99999999999999999999", "-0x10", " -100"]],
  ADMIN_USER_IDS: [["1,abc", "-5", "1;2", "99999999999999999999"]],
  REPORT_TIMEZONE: [ZONE], SCHEDULE_TIMEZONE: [ZONE], JOB_LEVEL_UPS_TIMEZONE: [ZONE],
  LOG_LEVEL: [["trace", "INFO ", "0"]], LOG_FORMAT: [["yaml", "JSON", " json"]],
  NODE_ID: [["has space", "x".repeat(65), "node/1", "🙂"]], LEVEL_FORMULA: [["quadratic", "MEE6", "  "]],
  LEVEL_MULTIPLIER: [["abc", "-1.5", "1e3", " 2", "NaN", "Infinity", "1", "99999999999999999999"],
    { LEVEL_FORMULA: "exponential" }],
  LEVEL_BASE_XP: [[...INT, "0"]], LEVEL_MAX: [[...INT, "0", "1001"]], XP_PER_MESSAGE: [[...INT, "1001"]],
  XP_PER_LINK: [INT], XP_PER_THANKS: [INT], XP_MAX_PER_MINUTE: [[...INT, "0"]],
  AUTO_PROGRESSION_ENABLED: [BOOL], NOTIFY_LEVEL_UP: [BOOL], JOB_LEVEL_UPS_ENABLED: [BOOL],
  AUTO_PROGRESSION_INTERVAL_HOURS: [[...INT, "5", "0", "25"]], AUTO_PROGRESSION_BATCH_SIZE: [[...INT, "0"]],
  BATCH_CONCURRENCY: [[...INT, "0", "17"]], TELEGRAM_RATE_GLOBAL_PER_SECOND: [[...INT, "0"]],
  TELEGRAM_RATE_PER_CHAT_PER_SECOND: [[...INT, "0"]], TELEGRAM_RATE_PER_GROUP_PER_MINUTE: [[...INT, "0"]],
  JOB_LEVEL_UPS_SCHEDULE: [["61 * * * *", "every 0s", "every", LONG, "* * * * * *", "   "]],
  CASE_PROVIDER: [["ai", "OpenAI", " bank"]],
  CASE_PROVIDER_URL: [["ftp://u:CasePass9@h/v1", "not a url"], { CASE_PROVIDER: "openai", CASE_PROVIDER_MODEL: "m" }],
  CASE_PROVIDER_MODEL: [["has space", "x".repeat(101)], { CASE_PROVIDER: "openai", CASE_PROVIDER_URL: "http://h/v1" }],
  CASE_PROVIDER_API_KEY: [[]], CASE_PROVIDER_TIMEOUT_MS: [[...INT, "999", "600001"]],
  CASE_VOTING_HOURS: [[...INT, "0", "721"]], CASE_REWARD_POOL_XP: [[...INT, "1000001"]],
  EARLY_ADOPTER_UNTIL: [["2027-02-30", "tomorrow", "2027-1-1", "2027-01-01T00:00:00Z"]],
  SETTLEMENT_RAIL: [["eth", "EVM", " xp"]],
  EVM_RPC_URL: [["ws://u:RpcPass9@h", "not a url"], { SETTLEMENT_RAIL: "evm", EVM_PRIVATE_KEY: "0x" + "1".repeat(64), EVM_CHAIN_ID: "1337" }],
  EVM_PRIVATE_KEY: [["0x1234", "1".repeat(64), "0x" + "g".repeat(64)], { SETTLEMENT_RAIL: "evm", EVM_RPC_URL: "http://h:8545", EVM_CHAIN_ID: "1337" }],
  EVM_CHAIN_ID: [[...INT, "0"], { SETTLEMENT_RAIL: "evm", EVM_RPC_URL: "http://h:8545", EVM_PRIVATE_KEY: "0x" + "1".repeat(64) }],
  EVM_CONFIRMATIONS: [[...INT, "0", "1001"]], EVM_MAX_ATTEMPTS: [[...INT, "0", "101"]],
};
const SECRET_VARS = [
  "ADMIN_TOKEN",
  "TELEGRAM_BOT_TOKEN",
  "TELEGRAM_WEBHOOK_SECRET",
  "CASE_PROVIDER_API_KEY",
  "EVM_PRIVATE_KEY",
];

Deno.test("every configuration variable with bad values: refused, named, no secret echoed", () => {
  const readmeVars = [...section("## Configuration", "## Docker").matchAll(/^\| `([A-Z_<>]+)`/gm)]
    .map((m) => m[1].replace("<NAME>", "LEVEL_UPS"));
  assert.ok(readmeVars.length >= 35, `the README's variables: ${readmeVars}`);
  assert.deepEqual(
    readmeVars.filter((v) => !(v in BAD)),
    [],
    "a README variable without bad values",
  );
  const failures: string[] = [];
  let tried = 0;
  for (const [key, [values, base]] of Object.entries(BAD)) {
    for (const value of values) {
      tried++;
      const what = `${key}=${show(value)}`;
      let problems: string[] = [];
      try {
        loadSetup({ ...base, [key]: value });
      } catch (error) {
        problems = error instanceof ConfigError ? error.problems : [`threw ${error}`];
      }
      const text = problems.join("\n");
      // deno-fmt-ignore
      const secret = SECRET_VARS.includes(key) ? value : /:(Pa55wordXYZ|ApiPassQ9|HookPass9)@/.exec(value)?.[1];
      const bad = [
        problems.length === 0 && "accepted",
        problems.length && !problems.some((p) => p.startsWith(key)) && `not named: ${show(text)}`,
        problems.some((p) => p.includes("\n")) && "a problem of several lines",
        problems.filter((p) => new RegExp(`^${key}[=:]`).test(p)).length > 1 &&
        `more than one line for it: ${show(text)}`,
        secret && secret.trim().length >= 4 && text.includes(secret) && "echoed the secret",
      ].filter(Boolean);
      if (bad.length) failures.push(`${what}: ${bad.join(", ")}`);
    }
  }
  report(failures, `${tried} bad values over ${Object.keys(BAD).length} variables`);
  console.log(
    `${tried} bad values over ${Object.keys(BAD).length} variables, all refused and named`,
  );
});

Deno.test("a start with bad variables: exit 2, one line each naming it, no stack, no secret", async () => {
  const dir = await Deno.makeTempDir({ prefix: "warden_hostile_" });
  // deno-fmt-ignore
  const env = {
    PORT: "-1", LOG_FORMAT: "yaml", BATCH_CONCURRENCY: "0x10", SCHEDULE_TIMEZONE: "Mars/Base",
    ADMIN_TOKEN: "hunter2 hunter2 hunter2", TELEGRAM_BOT_TOKEN: "not-a-token-Zq81",
    TELEGRAM_WEBHOOK_SECRET: "bad secret Qx7", DATABASE_URL: "postgres://app:Pa55wordXYZ@127.0.0.1:1",
    JOB_LEVEL_UPS_SCHEDULE: "61 * * * *",
  };
  try {
    await using warden = spawnWarden(["run", "-A", "main.ts"], { ...env, DATA_DIR: `${dir}/no` });
    const status = await warden.exited();
    const lines = warden.lines.filter((l) => l.trim());
    const text = lines.join("\n");
    assert.equal(status.code, 2, text);
    assert.equal(lines[0], "Invalid configuration:", text);
    assert.equal(lines.length, 1 + Object.keys(env).length, `one line per bad variable:\n${text}`);
    for (const key of Object.keys(env)) {
      assert.ok(lines.some((l) => l.startsWith(`  - ${key}`)), `${key}: ${text}`);
    }
    assert.doesNotMatch(text, STACK);
    for (const s of ["hunter2", "Zq81", "Qx7", "Pa55wordXYZ"]) assert.ok(!text.includes(s), text);
    await assert.rejects(Deno.stat(`${dir}/no`), Deno.errors.NotFound, "nothing was opened");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

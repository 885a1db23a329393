import assert from "node:assert/strict";
import { loadSetup } from "../catalog.ts";
import { cli } from "../cli.ts";
import { createLogger } from "../actors/log.ts";
import { ConfigError, loadConfig, scrubSecrets } from "../config.ts";
import { spawnWarden } from "./fakes/process.ts";

/** The problems `env` is refused with (fails when it is accepted). */
function problems(env: Record<string, string>): string[] {
  try {
    loadSetup(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  assert.fail(`accepted ${JSON.stringify(env)}`);
}

const SECRET_VALUES = {
  ADMIN_TOKEN: "hunter2 is my admin token",
  TELEGRAM_BOT_TOKEN: "not-a-bot-token-Zq81",
  TELEGRAM_WEBHOOK_SECRET: "bad secret with spaces Qx7",
  DATABASE_URL: "postgres://app:Pa55wordXYZ@127.0.0.1:1",
  TELEGRAM_API_ROOT: "ftp://bot:ApiPassQ9@127.0.0.1:8081",
};

Deno.test("a bad secret is named but never echoed, in the error or anywhere else", () => {
  for (const [key, value] of Object.entries(SECRET_VALUES)) {
    const text = problems({ [key]: value }).join("\n");
    assert.match(text, new RegExp(`^${key}`), `${key} is named`);
    for (const secret of ["hunter2", "Zq81", "Qx7", "Pa55wordXYZ", "ApiPassQ9"]) {
      assert.ok(!text.includes(secret), `${key}: ${text}`);
    }
  }
  // a secret that leaks into another variable's problem (a schedule copied from the token)
  const text = problems({
    ADMIN_TOKEN: "0123456789abcdef-token",
    JOB_LEVEL_UPS_SCHEDULE: "0123456789abcdef-token",
  }).join("\n");
  assert.ok(!text.includes("0123456789abcdef-token"), text);
});

Deno.test("the start stops with exit 2 and never prints a secret on stderr or stdout", async () => {
  await using warden = spawnWarden(["run", "-A", "main.ts"], {
    DATA_DIR: "/nonexistent/never-opened",
    ...SECRET_VALUES,
  });
  assert.equal((await warden.status).code, 2);
  const text = warden.lines.join("\n");
  for (const key of Object.keys(SECRET_VALUES)) assert.match(text, new RegExp(key));
  for (const value of Object.values(SECRET_VALUES)) {
    assert.ok(!text.includes(value), text);
  }
  for (const secret of ["hunter2", "Zq81", "Qx7", "Pa55wordXYZ", "ApiPassQ9"]) {
    assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  }
});

Deno.test("the CLI's config errors hide secrets too", async () => {
  const err: string[] = [];
  const code = await cli(["jobs", "list"], SECRET_VALUES, () => {}, (l) => err.push(l));
  assert.equal(code, 2);
  for (const secret of ["hunter2", "Zq81", "Qx7", "Pa55wordXYZ", "ApiPassQ9"]) {
    assert.ok(!err.join("\n").includes(secret), err.join("\n"));
  }
});

Deno.test("values that cannot work are refused, every one at once", () => {
  const all = problems({
    ADMIN_TOKEN: "sixteen chars or more but spaced",
    LEVEL_FORMULA: "exponential",
    LEVEL_MULTIPLIER: "1",
    TELEGRAM_API_ROOT: "file:///etc/passwd",
    ADMIN_CHAT_ID: "-9007199254740993",
    ADMIN_USER_IDS: "42,9007199254740993",
    DATABASE_URL: "postgres://app@db.internal:5432",
    JOB_LEVEL_UP_SCHEDULE: "every 5m",
    JOB_STREAK_EXPIRY_SCHEDUEL: "0 3 * * *",
    TELEGRAM_MODE: "webhook",
  });
  const find = (key: string, pattern: RegExp) =>
    assert.ok(all.some((p) => p.startsWith(key) && pattern.test(p)), `${key}: ${all.join("\n")}`);
  find("ADMIN_TOKEN", /no spaces/);
  find("LEVEL_MULTIPLIER", /above 1 with LEVEL_FORMULA=exponential/);
  find("TELEGRAM_API_ROOT", /http\(s\)/);
  find("ADMIN_CHAT_ID", /2\^53/);
  find("ADMIN_USER_IDS", /9007199254740993/);
  find("DATABASE_URL", /names no database/);
  find("JOB_LEVEL_UP_SCHEDULE", /did you mean JOB_LEVEL_UPS_SCHEDULE/);
  find("JOB_STREAK_EXPIRY_SCHEDUEL", /did you mean JOB_STREAK_EXPIRY_SCHEDULE/);
  find("TELEGRAM_WEBHOOK_SECRET", /required with TELEGRAM_MODE=webhook/);
  assert.equal(all.length, 9, all.join("\n"));
  // every DATABASE_URL problem shows the same shape of URL, the password included
  const [scheme] = problems({ DATABASE_URL: "mysql://app@db/x" });
  assert.match(
    scheme,
    /^DATABASE_URL="mysql:\/\/app@db\/x": expected postgres:\/\/user:password@host:port\/db$/,
  );
});

Deno.test("a multiplier whose levels run past 2^53 before LEVEL_MAX is refused", () => {
  const [p] = problems({ LEVEL_FORMULA: "exponential", LEVEL_MULTIPLIER: "3", LEVEL_MAX: "100" });
  assert.match(p, /^LEVEL_MULTIPLIER="3": reaches only \d+ levels .* LEVEL_MAX=100/);
  // the documented default multiplier (1.5) stops at 78 levels, below the default LEVEL_MAX
  const [d] = problems({ LEVEL_FORMULA: "exponential" });
  assert.match(d, /^LEVEL_MULTIPLIER: reaches only 78 levels .* lower LEVEL_MAX to 78/);
  const fits = loadSetup({ LEVEL_FORMULA: "exponential", LEVEL_MAX: "78" }).config.level;
  assert.equal(fits.max, 78);
  assert.ok(loadSetup({ LEVEL_FORMULA: "exponential", LEVEL_MULTIPLIER: "3", LEVEL_MAX: "30" }));
});

Deno.test("unrelated JOB_* variables (Jenkins' JOB_NAME, JOB_BASE_NAME) are not ours", () => {
  assert.ok(loadSetup({ JOB_NAME: "x", JOB_BASE_NAME: "y", JOB_URL: "http://ci" }));
  assert.ok(loadSetup({ TELEGRAM_MODE: "webhook", TELEGRAM_WEBHOOK_SECRET: "s3cret_value" }));
  assert.deepEqual(loadSetup({ ADMIN_USER_IDS: "1, 2" }).config.adminUserIds, [1, 2]);
});

Deno.test("LEVEL_MULTIPLIER=1 with the exponential formula: exit 2 naming it, no stack trace", async () => {
  await using warden = spawnWarden(["run", "-A", "main.ts"], {
    DATA_DIR: "/nonexistent/never-opened",
    LEVEL_FORMULA: "exponential",
    LEVEL_MULTIPLIER: "0.5",
    TELEGRAM_MODE: "webhook",
  });
  assert.equal((await warden.status).code, 2);
  const text = warden.lines.join("\n");
  assert.match(text, /LEVEL_MULTIPLIER="0.5": must be above 1/);
  assert.match(text, /TELEGRAM_WEBHOOK_SECRET: required with TELEGRAM_MODE=webhook/);
  assert.doesNotMatch(text, /\n\s+at /);
});

Deno.test("log lines from any source (a client's error, a URL, a field) hide the environment's secrets", () => {
  const env = {
    TELEGRAM_BOT_TOKEN: "123456:SECRET-bot-token",
    ADMIN_TOKEN: "admin-token-0123456789",
    TELEGRAM_WEBHOOK_SECRET: "hook_secret_42",
    DATABASE_URL: "postgres://app:pa%24%24word@db.internal:5432/warden",
  };
  const lines: string[] = [];
  const log = createLogger({
    write: (l) => lines.push(l),
    redact: (l) => scrubSecrets(l, env),
  }).child({ node: "a" });
  const fetchError = new TypeError(
    "error sending request for url (https://api.telegram.org/bot123456:SECRET-bot-token/getMe)",
  );
  log.error("telegram-setup restarting", { error: fetchError });
  log.warn("auth", { header: "Bearer admin-token-0123456789", secret: "hook_secret_42" });
  log.info("connect", { dsn: "postgres://app:pa$$word@db.internal:5432/warden" });
  const text = lines.join("\n");
  for (
    const secret of ["SECRET-bot-token", "admin-token-0123456789", "hook_secret_42", "pa$$word"]
  ) {
    assert.ok(!text.includes(secret), `${secret} shown in:\n${text}`);
  }
  assert.match(text, /bot\*\*\*\/getMe/, "the rest of the line stays readable");
});

Deno.test("the case provider and the evm rail name every variable they still need, at once", () => {
  assert.throws(
    () => loadConfig({ CASE_PROVIDER: "openai", SETTLEMENT_RAIL: "evm" }, []),
    (e: ConfigError) => {
      assert.deepEqual(e.problems, [
        "CASE_PROVIDER_URL: required with CASE_PROVIDER=openai",
        "CASE_PROVIDER_MODEL: required with CASE_PROVIDER=openai",
        "EVM_RPC_URL: required with SETTLEMENT_RAIL=evm",
        "EVM_PRIVATE_KEY: required with SETTLEMENT_RAIL=evm",
        "EVM_CHAIN_ID: required with SETTLEMENT_RAIL=evm",
      ]);
      return true;
    },
  );
  const config = loadConfig({
    CASE_PROVIDER: "openai",
    CASE_PROVIDER_URL: "http://127.0.0.1:1234/v1",
    CASE_PROVIDER_MODEL: "local-model",
    SETTLEMENT_RAIL: "evm",
    EVM_RPC_URL: "http://127.0.0.1:8545",
    EVM_PRIVATE_KEY: "0x" + "ab".repeat(32),
    EVM_CHAIN_ID: "1337",
    EARLY_ADOPTER_UNTIL: "2027-01-01",
  }, []);
  assert.equal(config.cases.openai?.model, "local-model");
  assert.equal(config.settlement.evm?.chainId, 1337);
  assert.equal(config.cases.earlyAdopterUntil?.toISOString(), "2027-01-01T00:00:00.000Z");
});

Deno.test("settlement-monitor and verdict-check run only on the evm rail", () => {
  const names = (env: Record<string, string>) => loadSetup(env).specs.map((s) => s.name);
  assert.ok(!names({}).includes("settlement-monitor"));
  assert.ok(!names({}).includes("verdict-check"));
  const evm = names({
    SETTLEMENT_RAIL: "evm",
    EVM_RPC_URL: "http://127.0.0.1:8545",
    EVM_PRIVATE_KEY: "0x" + "ab".repeat(32),
    EVM_CHAIN_ID: "1337",
    JOB_SETTLEMENT_MONITOR_SCHEDULE: "every 1m",
  });
  assert.ok(evm.includes("settlement-monitor") && evm.includes("verdict-check"));
  assert.ok(names({}).includes("case-generation") && names({}).includes("case-closure"));
});

Deno.test("switched back to xp with the EVM settings kept, settlement-monitor still runs (to watch what was sent)", () => {
  const { config, specs } = loadSetup({
    SETTLEMENT_RAIL: "xp",
    EVM_RPC_URL: "http://127.0.0.1:8545",
    EVM_PRIVATE_KEY: "0x" + "ab".repeat(32),
    EVM_CHAIN_ID: "1337",
  });
  const names = specs.map((s) => s.name);
  assert.ok(names.includes("settlement-monitor"), names.join(", "));
  assert.ok(!names.includes("verdict-check"));
  assert.deepEqual([config.settlement.rail, config.settlement.evm?.chainId], ["xp", 1337]);
  // Only part of them: no rail to watch with, as before.
  const part = loadSetup({ EVM_RPC_URL: "http://127.0.0.1:8545" });
  assert.ok(!part.specs.some((s) => s.name === "settlement-monitor"));
  assert.equal(part.config.settlement.evm, undefined);
});

import { z } from "zod";
import { parseDuration } from "./actors/duration.ts";
import { isZone, zoneName } from "./actors/zone.ts";
import { levelTable } from "./domain/levels.ts";
import { BEARER_TOKEN } from "./routes/auth.ts";

/**
 * What each variable accepts, one zod rule per variable; the rules across variables and the
 * `JOB_<NAME>_*` ones are in config.ts.
 */
const int = (min: number, max: number) =>
  z.string().regex(/^-?\d+$/, "expected a whole number").transform(Number).pipe(
    // whole by the regex; no `.int()`, whose "Too big: expected int" would speak first for 1e20
    z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`),
  );
const num = z.string().regex(/^\d+(\.\d+)?$/, "expected a number").transform(Number);
const chatId = z.string().regex(/^-?\d+$/, "expected a numeric Telegram chat id").transform(Number)
  .refine(Number.isSafeInteger, "beyond 2^53: not a Telegram id");
const userIds = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);
const DB_URL = "expected postgres://user:password@host:port/db";

/**
 * What postgres.js would trip on when it reads `url` (it throws "Invalid URL" or "URI malformed"
 * at connect): one host or several (`h1:5432,h2:5433`), each with a port from 1 to 65535, user
 * and password %-encoded correctly, and a database named.
 */
function databaseUrlProblem(url: string): string | undefined {
  const rest = url.slice(url.indexOf("://") + 3);
  const authority = rest.split(/[/?#]/)[0];
  const at = authority.lastIndexOf("@");
  const [user, password] = at < 0 ? [] : authority.slice(0, at).split(/:(.*)/s);
  for (const [what, part] of [["user", user], ["password", password]] as const) {
    try {
      decodeURIComponent(part ?? "");
    } catch {
      return `the ${what} has a broken %-escape (write % as %25): ${DB_URL}`;
    }
  }
  for (const host of authority.slice(at + 1).split(",")) {
    const port = /:(\d+)$/.exec(host)?.[1];
    if (port && !(Number(port) >= 1 && Number(port) <= 65535)) {
      return `port ${port} on host "${host}": expected a port from 1 to 65535`;
    }
    try {
      new URL(`postgres://${decodeURIComponent(host)}`);
    } catch {
      return `cannot read the host "${host}" (a name, an IPv4 or an [IPv6] address, then :port): ${DB_URL}`;
    }
  }
  if (!/^\/[^/?#]+/.test(rest.slice(authority.length))) return `names no database: ${DB_URL}`;
}

export const ZONE_EXPECTED = "expected an IANA time zone like Europe/Madrid";
// Written as the tz database spells it (`europe/madrid` → `Europe/Madrid`, `utc` → `UTC`).
const timezone = z.string().refine(isZone, ZONE_EXPECTED).transform(zoneName);

export const schema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, DB_URL)
    .superRefine((url, ctx) => {
      const problem = /^postgres(ql)?:\/\//.test(url) ? databaseUrlProblem(url) : undefined;
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional(),
  DATA_DIR: z.string().min(1).default("./data"),
  PORT: int(0, 65535).default(8080),
  ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters")
    .regex(
      BEARER_TOKEN,
      "must be one Bearer token: letters, digits and . _ ~ + / - (no spaces)",
    )
    .optional(),
  TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[\w-]+$/, "expected a token like 123456:ABC-DEF…")
    .optional(),
  TELEGRAM_MODE: z.enum(["polling", "webhook"]).default("polling"),
  TELEGRAM_WEBHOOK_SECRET: z.string().regex(/^[\w-]{1,256}$/, "expected 1-256 of A-Z a-z 0-9 _ -")
    .optional(),
  TELEGRAM_WEBHOOK_URL: z.url({
    protocol: /^https$/,
    error: "expected the public https URL of POST /telegram/webhook",
  }).optional(),
  TELEGRAM_API_ROOT: z.url({
    protocol: /^https?$/,
    error: "expected an http(s) URL like http://127.0.0.1:8081",
  }).optional(),
  ADMIN_CHAT_ID: chatId.optional(),
  ADMIN_USER_IDS: z.string().default("").superRefine((s, ctx) => {
    const bad = userIds(s).filter((x) => !/^\d+$/.test(x) || !Number.isSafeInteger(Number(x)));
    if (bad.length) {
      ctx.addIssue({
        code: "custom",
        message: `expected comma-separated user ids (below 2^53), got ${bad.join(", ")}`,
      });
    }
  }).transform((s) => userIds(s).map(Number)),
  REPORT_TIMEZONE: timezone.default("UTC"),
  SCHEDULE_TIMEZONE: timezone.default("UTC"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  LOG_FORMAT: z.enum(["json", "pretty"]).default("json"),
  NODE_ID: z.string().regex(/^[\w.-]{1,64}$/, "expected 1-64 of letters, digits, . _ -").optional(),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(25_000),
  DATABASE_WAIT_SECONDS: int(0, 600).default(30),
  LEVEL_FORMULA: z.enum(["mee6", "exponential", "linear"]).default("mee6"),
  LEVEL_BASE_XP: int(1, 1_000_000).default(100),
  LEVEL_MULTIPLIER: num.default(1.5),
  LEVEL_MAX: int(1, 1_000).default(100),
  XP_PER_MESSAGE: int(0, 1_000).default(1),
  XP_PER_LINK: int(0, 1_000).default(3),
  XP_PER_THANKS: int(0, 1_000).default(5),
  XP_MAX_PER_MINUTE: int(1, 10_000).default(10),
  AUTO_PROGRESSION_ENABLED: z.stringbool({ error: "expected true or false" }).default(true),
  AUTO_PROGRESSION_INTERVAL_HOURS: int(1, 24).refine(
    (h) => 24 % h === 0,
    "must divide 24 (1, 2, 3, 4, 6, 8, 12, 24)",
  )
    .optional(),
  AUTO_PROGRESSION_BATCH_SIZE: int(1, 100_000).default(100),
  BATCH_CONCURRENCY: int(1, 16).default(2),
  PAUSE_ALERT_AFTER: z.string().default("24h").superRefine((value, ctx) => {
    try {
      if (parseDuration(value) < 60_000) throw new RangeError("too short");
    } catch {
      ctx.addIssue({
        code: "custom",
        message: "expected a duration of 1m or more, like 30m, 24h or 7d",
      });
    }
  }).transform((value) => parseDuration(value)),
  OUTBOX_RETENTION_DAYS: int(1, 3650).default(7),
  RUN_HISTORY_RETENTION_DAYS: int(1, 3650).default(30),
  EVENTS_RETENTION_DAYS: int(1, 3650).default(30),
  QUIZ_RETENTION_DAYS: int(1, 3650).default(7),
  METRICS_RETENTION_DAYS: int(1, 3650).default(90),
  STREAK_REMINDER_HOURS: int(1, 47).default(4),
  DASHBOARD_PUBLIC_READS: z.stringbool({ error: "expected true or false" }).default(false),
  DASHBOARD_SESSION_HOURS: int(1, 720).default(12),
  NOTIFY_LEVEL_UP: z.stringbool({ error: "expected true or false" }).default(true),
  TELEGRAM_RATE_GLOBAL_PER_SECOND: int(1, 100_000).default(30),
  TELEGRAM_RATE_PER_CHAT_PER_SECOND: int(1, 100_000).default(1),
  TELEGRAM_RATE_PER_GROUP_PER_MINUTE: int(1, 100_000).default(20),
  CASE_PROVIDER: z.enum(["bank", "openai"]).default("bank"),
  CASE_PROVIDER_URL: z.url({
    protocol: /^https?$/,
    error: "expected an http(s) URL like https://api.openai.com/v1",
  })
    .optional(),
  CASE_PROVIDER_MODEL: z.string().regex(
    /^[\w.:/@-]{1,100}$/,
    "expected a model name like gpt-4o-mini",
  )
    .optional(),
  CASE_PROVIDER_API_KEY: z.string().min(1).optional(),
  CASE_PROVIDER_TIMEOUT_MS: int(1_000, 600_000).default(30_000),
  CASE_VOTING_HOURS: int(1, 720).default(24),
  CASE_REWARD_POOL_XP: int(0, 1_000_000).default(1000),
  EARLY_ADOPTER_UNTIL: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date like 2027-01-01")
    .refine(
      (d) => new Date(Date.parse(`${d}T00:00:00Z`) || 0).toISOString().slice(0, 10) === d,
      "not a calendar date",
    )
    .transform((d) => new Date(`${d}T00:00:00Z`)).optional(),
  SETTLEMENT_RAIL: z.enum(["xp", "evm"]).default("xp"),
  EVM_RPC_URL: z.url({
    protocol: /^https?$/,
    error: "expected an http(s) URL like http://127.0.0.1:8545",
  })
    .optional(),
  EVM_PRIVATE_KEY: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected 0x and 64 hex digits")
    .optional(),
  EVM_CHAIN_ID: int(1, 2_147_483_647).optional(),
  EVM_CONFIRMATIONS: int(1, 1_000).default(1),
  EVM_MAX_ATTEMPTS: int(1, 100).default(5),
}).superRefine((v, ctx) => {
  // Cross-field rules; they run even when a field is bad, so every problem is listed at once.
  const problem = (key: string, message: string) =>
    ctx.addIssue({ code: "custom", path: [key], message });
  if (v.TELEGRAM_MODE === "webhook" && v.TELEGRAM_WEBHOOK_SECRET === undefined) {
    problem("TELEGRAM_WEBHOOK_SECRET", "required with TELEGRAM_MODE=webhook");
  }
  if (v.TELEGRAM_WEBHOOK_URL !== undefined && v.TELEGRAM_MODE !== "webhook") {
    problem(
      "TELEGRAM_WEBHOOK_URL",
      "set only with TELEGRAM_MODE=webhook (a registered webhook stops long polling)",
    );
  }
  if (v.CASE_PROVIDER === "openai") {
    for (const key of ["CASE_PROVIDER_URL", "CASE_PROVIDER_MODEL"] as const) {
      if (v[key] === undefined) problem(key, "required with CASE_PROVIDER=openai");
    }
  }
  if (v.SETTLEMENT_RAIL === "evm") {
    for (const key of ["EVM_RPC_URL", "EVM_PRIVATE_KEY", "EVM_CHAIN_ID"] as const) {
      if (v[key] === undefined) problem(key, "required with SETTLEMENT_RAIL=evm");
    }
  }
  const { LEVEL_FORMULA: formula, LEVEL_MULTIPLIER: multiplier } = v;
  const { LEVEL_BASE_XP: baseXp, LEVEL_MAX: max } = v;
  if (formula !== "exponential" || typeof multiplier !== "number") return;
  if (multiplier <= 1) {
    problem("LEVEL_MULTIPLIER", "must be above 1 with LEVEL_FORMULA=exponential");
  } else if (typeof baseXp === "number" && typeof max === "number") {
    const reachable = levelTable({ formula, baseXp, multiplier, max }).length;
    if (reachable < max) {
      problem(
        "LEVEL_MULTIPLIER",
        `reaches only ${reachable} levels before XP passes 2^53, below LEVEL_MAX=${max}; ` +
          `lower LEVEL_MAX to ${reachable} or the multiplier`,
      );
    }
  }
});

/** Every variable the config reads by name (`JOB_<NAME>_*` aside). */
export const VARIABLES: readonly string[] = Object.keys(schema.shape);

import { z } from "zod";
import { parseSchedule, type ScheduleInput } from "./actors/schedule.ts";
import { isZone, zoneName } from "./actors/zone.ts";
import { closest, scrubSecrets, showValue } from "./config_env.ts";
import { schema, VARIABLES, ZONE_EXPECTED } from "./config_schema.ts";

export { VARIABLES };

export { scrubSecrets, showValue, withDotEnv } from "./config_env.ts";

/** What an operator can set; every value comes from the environment, parsed once. */
export interface Config {
  databaseUrl?: string;
  dataDir: string;
  port: number;
  adminToken?: string;
  /** The dashboard: reads without signing in, and how long a sign-in lasts. */
  dashboard: { publicReads: boolean; sessionHours: number };
  telegram: {
    botToken?: string;
    mode: "polling" | "webhook";
    webhookSecret?: string;
    /** Where Telegram sends updates; with it the start registers the webhook (`setWebhook`). */
    webhookUrl?: string;
    apiRoot?: string;
    /** Warden's own pacing of sends (Telegram's limits by default). */
    limits: { globalPerSecond: number; perChatPerSecond: number; perGroupPerMinute: number };
  };
  adminChatId?: number;
  adminUserIds: number[];
  reportTimezone: string;
  /** The zone of every job whose schedule is not UTC by nature, unless `JOB_<NAME>_TIMEZONE` says. */
  scheduleTimezone: string;
  logLevel: "debug" | "info" | "warn" | "error";
  logFormat: "json" | "pretty";
  nodeId: string;
  shutdownTimeoutMs: number;
  /** How long the start retries a database server that does not answer yet. */
  databaseWaitMs: number;
  level: {
    formula: "mee6" | "exponential" | "linear";
    baseXp: number;
    multiplier: number;
    max: number;
  };
  xp: { perMessage: number; perLink: number; perThanks: number; maxPerMinute: number };
  /** Seed 000's switches for `level-ups`. */
  progression: { enabled: boolean; intervalHours?: number; batchSize: number; notify: boolean };
  /** Connections a batch job (level-ups, streak-expiry, life-regen, badge-check) uses at once. */
  batchConcurrency: number;
  /** A job paused for longer than this opens an incident (`health-monitor`). */
  pauseAlertAfterMs: number;
  /** Days finished rows are kept (`retention-cleanup`). */
  retention: {
    outboxDays: number;
    runHistoryDays: number;
    eventsDays: number;
    quizDays: number;
    metricsDays: number;
  };
  /** `streak-reminders` warns this many hours before a streak ends. */
  streakReminderHours: number;
  /** The dilemma cases: where they come from, how long voting lasts, the pool. */
  cases: {
    provider: "bank" | "openai";
    openai?: { url: string; model: string; apiKey?: string; timeoutMs: number };
    votingHours: number;
    poolXp: number;
    earlyAdopterUntil?: Date;
  };
  /** Where case rewards are settled: the XP ledger at once, or on an EVM chain. */
  settlement: {
    rail: "xp" | "evm";
    /** With `evm`; on `xp` too when EVM_RPC_URL, EVM_PRIVATE_KEY and EVM_CHAIN_ID are all kept. */
    evm?: {
      rpcUrl: string;
      privateKey: `0x${string}`;
      chainId: number;
      confirmations: number;
      maxAttempts: number;
    };
  };
  /** Per job: a schedule override (raw, validated), its zone, and whether it runs at all. */
  jobs: Record<string, { schedule?: ScheduleInput; timezone?: string; enabled: boolean }>;
}

/** An environment that cannot start Warden; `problems` has one line per bad variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

const envName = (job: string) => job.toUpperCase().replaceAll("-", "_");

/**
 * Parses the environment into a frozen config, or throws `ConfigError` listing every
 * problem. `jobs` are the known job names, for `JOB_<NAME>_SCHEDULE` / `_TIMEZONE` / `_ENABLED`.
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  jobs: readonly string[],
): Readonly<Config> {
  const present = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""),
  );
  const parsed = schema.safeParse(present);
  // One line per variable: its first problem (a rule's later checks repeat it in other words).
  const first = new Map<string, string>();
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const key = String(issue.path[0]);
    if (!first.has(key)) first.set(key, issue.message);
  }
  const problems = [...first].map(([key, message]) =>
    key in present ? `${key}=${showValue(key, present[key])}: ${message}` : `${key}: ${message}`
  );

  const jobConfig: Config["jobs"] = {};
  const known = new Map(jobs.map((j) => [envName(j), j]));
  for (const job of jobs) jobConfig[job] = { enabled: true };
  const suffixes = ["SCHEDULE", "TIMEZONE", "ENABLED"] as const;
  for (const [key, value] of Object.entries(present)) {
    const loose = /^JOB_([A-Z0-9_]+)_([A-Z]+)$/.exec(key);
    if (!loose) continue;
    // JOB_<NAME>_<SUFFIX>, or a near miss of one (JOB_LEVEL_UPS_SCHEDUEL); others (Jenkins'
    // JOB_BASE_NAME) are not ours.
    const suffix = closest(loose[2], suffixes, 2);
    if (!suffix) continue;
    const job = known.get(loose[1]);
    if (!job || suffix !== loose[2]) {
      const guess = job ?? closest(envName(loose[1]), [...known.keys()].filter(Boolean), 4);
      const named = guess ? `JOB_${envName(known.get(guess) ?? guess)}_${suffix}` : undefined;
      problems.push(
        job
          ? `${key}: unknown variable; did you mean ${named}?`
          : `${key}: no job is called ${loose[1].toLowerCase().replaceAll("_", "-")}${
            guess ? `; did you mean ${named} (job ${known.get(guess)})?` : ""
          }; known: ${jobs.join(", ")}`,
      );
      continue;
    }
    const m = [key, loose[1], suffix];
    if (m[2] === "ENABLED") {
      const b = z.stringbool().safeParse(value);
      if (b.success) jobConfig[job].enabled = b.data;
      else problems.push(`${key}=${JSON.stringify(value)}: expected true or false`);
      continue;
    }
    if (m[2] === "TIMEZONE") {
      if (isZone(value)) jobConfig[job].timezone = zoneName(value);
      else problems.push(`${key}=${JSON.stringify(value)}: ${ZONE_EXPECTED}`);
      continue;
    }
    const schedule: ScheduleInput = /^every\s+/.test(value)
      ? { every: value.replace(/^every\s+/, "") }
      : value;
    try {
      parseSchedule(schedule);
      jobConfig[job].schedule = schedule;
    } catch (e) {
      problems.push(`${key}=${JSON.stringify(value)}: ${(e as Error).message}`);
    }
  }
  if (problems.length > 0 || !parsed.success) {
    throw new ConfigError(problems.map((p) => scrubSecrets(p, present)));
  }
  const v = parsed.data;
  return deepFreeze({
    databaseUrl: v.DATABASE_URL,
    dataDir: v.DATA_DIR,
    port: v.PORT,
    adminToken: v.ADMIN_TOKEN,
    dashboard: { publicReads: v.DASHBOARD_PUBLIC_READS, sessionHours: v.DASHBOARD_SESSION_HOURS },
    telegram: {
      botToken: v.TELEGRAM_BOT_TOKEN,
      mode: v.TELEGRAM_MODE,
      webhookSecret: v.TELEGRAM_WEBHOOK_SECRET,
      webhookUrl: v.TELEGRAM_WEBHOOK_URL,
      apiRoot: v.TELEGRAM_API_ROOT,
      limits: {
        globalPerSecond: v.TELEGRAM_RATE_GLOBAL_PER_SECOND,
        perChatPerSecond: v.TELEGRAM_RATE_PER_CHAT_PER_SECOND,
        perGroupPerMinute: v.TELEGRAM_RATE_PER_GROUP_PER_MINUTE,
      },
    },
    adminChatId: v.ADMIN_CHAT_ID,
    adminUserIds: v.ADMIN_USER_IDS,
    reportTimezone: v.REPORT_TIMEZONE,
    scheduleTimezone: v.SCHEDULE_TIMEZONE,
    logLevel: v.LOG_LEVEL,
    logFormat: v.LOG_FORMAT,
    nodeId: v.NODE_ID ?? `${Deno.hostname()}-${Deno.pid}`,
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
    databaseWaitMs: v.DATABASE_WAIT_SECONDS * 1000,
    level: {
      formula: v.LEVEL_FORMULA,
      baseXp: v.LEVEL_BASE_XP,
      multiplier: v.LEVEL_MULTIPLIER,
      max: v.LEVEL_MAX,
    },
    xp: {
      perMessage: v.XP_PER_MESSAGE,
      perLink: v.XP_PER_LINK,
      perThanks: v.XP_PER_THANKS,
      maxPerMinute: v.XP_MAX_PER_MINUTE,
    },
    progression: {
      enabled: v.AUTO_PROGRESSION_ENABLED,
      intervalHours: v.AUTO_PROGRESSION_INTERVAL_HOURS,
      batchSize: v.AUTO_PROGRESSION_BATCH_SIZE,
      notify: v.NOTIFY_LEVEL_UP,
    },
    batchConcurrency: v.BATCH_CONCURRENCY,
    pauseAlertAfterMs: v.PAUSE_ALERT_AFTER,
    retention: {
      outboxDays: v.OUTBOX_RETENTION_DAYS,
      runHistoryDays: v.RUN_HISTORY_RETENTION_DAYS,
      eventsDays: v.EVENTS_RETENTION_DAYS,
      quizDays: v.QUIZ_RETENTION_DAYS,
      metricsDays: v.METRICS_RETENTION_DAYS,
    },
    streakReminderHours: v.STREAK_REMINDER_HOURS,
    cases: {
      provider: v.CASE_PROVIDER,
      openai: v.CASE_PROVIDER === "openai"
        ? {
          url: v.CASE_PROVIDER_URL!,
          model: v.CASE_PROVIDER_MODEL!,
          apiKey: v.CASE_PROVIDER_API_KEY,
          timeoutMs: v.CASE_PROVIDER_TIMEOUT_MS,
        }
        : undefined,
      votingHours: v.CASE_VOTING_HOURS,
      poolXp: v.CASE_REWARD_POOL_XP,
      earlyAdopterUntil: v.EARLY_ADOPTER_UNTIL,
    },
    settlement: {
      rail: v.SETTLEMENT_RAIL,
      // On xp too when all three are set: settlement-monitor watches what evm sent before.
      evm: v.SETTLEMENT_RAIL === "evm" ||
          (v.EVM_RPC_URL !== undefined && v.EVM_PRIVATE_KEY !== undefined &&
            v.EVM_CHAIN_ID !== undefined)
        ? {
          rpcUrl: v.EVM_RPC_URL!,
          privateKey: v.EVM_PRIVATE_KEY! as `0x${string}`,
          chainId: v.EVM_CHAIN_ID!,
          confirmations: v.EVM_CONFIRMATIONS,
          maxAttempts: v.EVM_MAX_ATTEMPTS,
        }
        : undefined,
    },
    jobs: jobConfig,
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Each zone variable of `config` (`REPORT_TIMEZONE`, `SCHEDULE_TIMEZONE`, `JOB_<NAME>_TIMEZONE`). */
export function zoneVariables(config: Readonly<Config>): Record<string, string> {
  const vars: Record<string, string> = {
    REPORT_TIMEZONE: config.reportTimezone,
    SCHEDULE_TIMEZONE: config.scheduleTimezone,
  };
  for (const [job, { timezone }] of Object.entries(config.jobs)) {
    if (timezone) vars[`JOB_${job.toUpperCase().replaceAll("-", "_")}_TIMEZONE`] = timezone;
  }
  return vars;
}

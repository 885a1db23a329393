import { type JobSpec, withSchedule } from "./actors/job.ts";
import { parseSchedule } from "./actors/schedule.ts";
import { UnknownJobError } from "./actors/errors.ts";
import { type Config, loadConfig } from "./config.ts";
import { closest } from "./config_env.ts";
import { leaseRescueJob } from "./db/rescue_job.ts";
import { badgeCheckJob } from "./domain/badges.ts";
import { caseClosureJob } from "./domain/case_closure.ts";
import { caseGenerationJob } from "./domain/case_generation.ts";
import { openaiProvider } from "./domain/case_openai.ts";
import type { EvmRail, EvmRailOptions } from "./domain/evm_types.ts";
import { SETTLEMENT_MONITOR, settlementMonitorJob } from "./domain/settlement_monitor.ts";
import { VERDICT_CHECK, verdictCheckJob } from "./domain/verdict_check.ts";
import { bankProvider, type CaseProvider } from "./domain/case_provider.ts";
import { communityMetricsJob } from "./domain/community_metrics.ts";
import { DAILY_REPORT, dailyReportJob } from "./domain/daily_report.ts";
import { leaderboardResetJob } from "./domain/board_reset.ts";
import { leaderboardRecalcJob } from "./domain/boards.ts";
import { levelUpsJob } from "./domain/level_ups.ts";
import { lifeRegenJob } from "./domain/life_regen.ts";
import { quizCleanupJob } from "./domain/quiz_cleanup.ts";
import { retentionJob } from "./domain/retention.ts";
import { HEALTH_MONITOR, healthMonitorJob, monitorRun } from "./domain/health_monitor.ts";
import { streakExpiryJob } from "./domain/streak_expiry.ts";
import { streakRemindersJob } from "./domain/streak_reminders.ts";

/** The jobs Warden runs, made from the config alone (they reach the database through `ctx.db`). */
export type JobCatalog = (config: Readonly<Config>) => JobSpec[];

/** The jobs of this build. */
export const catalog: JobCatalog = (config) => [
  leaseRescueJob(),
  levelUpsJob({
    batchSize: config.progression.batchSize,
    notify: config.progression.notify,
    concurrency: config.batchConcurrency,
    schedule: config.progression.intervalHours
      ? `0 */${config.progression.intervalHours} * * *`
      : undefined,
  }),
  utcByNature(streakExpiryJob({ concurrency: config.batchConcurrency })),
  lifeRegenJob({ concurrency: config.batchConcurrency }),
  quizCleanupJob(),
  leaderboardRecalcJob(),
  utcByNature(leaderboardResetJob("week")),
  utcByNature(leaderboardResetJob("month")),
  badgeCheckJob({
    concurrency: config.batchConcurrency,
    earlyAdopterUntil: config.cases.earlyAdopterUntil,
  }),
  streakRemindersJob({ hours: config.streakReminderHours, defaultZone: config.reportTimezone }),
  communityMetricsJob(),
  // The day it reports is a local day in REPORT_TIMEZONE, and so is its 08:00; a
  // JOB_DAILY_REPORT_TIMEZONE moves both, so the report never covers another zone's day.
  inZone(
    dailyReportJob({ timezone: reportZone(config), adminChatId: config.adminChatId }),
    reportZone(config),
  ),
  retentionJob(config.retention),
  caseGenerationJob({
    provider: caseProvider(config),
    votingHours: config.cases.votingHours,
    rail: config.settlement.rail,
  }),
  caseClosureJob({ pool: config.cases.poolXp, rail: config.settlement.rail }),
  // On chain only with SETTLEMENT_RAIL=evm (`loadSetup` leaves them out otherwise); the monitor
  // also on xp with the EVM settings kept, sending nothing new.
  settlementMonitorJob({
    rail: chainRail(config),
    maxAttempts: config.settlement.evm?.maxAttempts,
    adminChatId: config.adminChatId,
    settlementRail: config.settlement.rail,
  }),
  verdictCheckJob({ rail: chainRail(config), adminChatId: config.adminChatId }),
  // Watches the jobs as configured: `loadSetup` hands it the final list.
  healthMonitorJob({ watched: [], pauseAlertAfterMs: config.pauseAlertAfterMs }),
];

/** Where cases come from (`CASE_PROVIDER`). */
export function caseProvider(config: Readonly<Config>): CaseProvider {
  return config.cases.openai ? openaiProvider(config.cases.openai) : bankProvider();
}

const rails = new WeakMap<object, { rail: EvmRail; ready: Promise<EvmRail> }>();
/**
 * The process's one EVM rail (it orders the account's nonces), made on first use; without the
 * EVM settings (`SETTLEMENT_RAIL=evm`, or all of them kept on `xp`) every call says so.
 */
function chainRail(config: Readonly<Config>): EvmRail {
  const evm = config.settlement.evm;
  if (!evm) {
    const off = () => Promise.reject(new Error("no EVM rail: SETTLEMENT_RAIL is not evm"));
    return {
      address: "0x0000000000000000000000000000000000000000",
      anchorCommitment: off,
      sendReward: off,
      status: off,
      checkCommitment: off,
    };
  }
  let made = rails.get(evm);
  if (!made) rails.set(evm, made = loadRail(evm));
  return made.rail;
}

/**
 * The rail on `evm`, its module (viem, ≈12 MB resident) loaded now that the config asks for it:
 * its calls wait for the load, `address` is there once `railReady` has resolved. A private key
 * out of secp256k1's range fails here, as viem would, before anything is loaded.
 */
function loadRail(evm: EvmRailOptions): { rail: EvmRail; ready: Promise<EvmRail> } {
  const key = BigInt(evm.privateKey);
  if (!(key >= 1n && key < SECP256K1_N)) {
    throw new Error(`expected valid private key: 1 <= n < ${SECP256K1_N}, got ${key}`);
  }
  let loaded: EvmRail | undefined;
  const ready = import("./domain/evm_rail.ts").then((m) => loaded = m.evmRail(evm));
  ready.catch(() => {}); // whoever uses the rail hears the failure
  return {
    ready,
    rail: {
      get address() {
        if (!loaded) throw new Error("Cannot read the EVM rail's address: it is still loading");
        return loaded.address;
      },
      anchorCommitment: async (hash) => (await ready).anchorCommitment(hash),
      sendReward: async (to, reward) => (await ready).sendReward(to, reward),
      status: async (txHash) => (await ready).status(txHash),
      checkCommitment: async (txHash, hash) => (await ready).checkCommitment(txHash, hash),
    },
  };
}
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** Resolves once the config's EVM rail, if any, is loaded (main awaits it before the jobs start). */
export async function railReady(config: Readonly<Config>): Promise<void> {
  const evm = config.settlement.evm;
  if (evm) await rails.get(evm)?.ready;
}

/** The daily report's zone: `JOB_DAILY_REPORT_TIMEZONE`, else `REPORT_TIMEZONE`. */
const reportZone = (config: Readonly<Config>) =>
  config.jobs[DAILY_REPORT]?.timezone ?? config.reportTimezone;

/**
 * A job whose schedule means UTC whatever `SCHEDULE_TIMEZONE` says: days, weeks and months of
 * streaks and boards are UTC days (DESIGN §3).
 */
function utcByNature(spec: JobSpec): JobSpec {
  return inZone(spec, "UTC");
}

/** The same job with its schedule read in `timezone`. */
function inZone(spec: JobSpec, timezone: string): JobSpec {
  const s = spec.schedule;
  const schedule = s.kind === "cron" ? parseSchedule(s.expression, timezone) : s;
  return Object.freeze({ ...spec, timezone, schedule });
}

/**
 * Reads the config and builds the jobs it enables, in their zones (`JOB_<NAME>_TIMEZONE`, else
 * the job's own, else `SCHEDULE_TIMEZONE`), with their schedule overrides. The job
 * names come from the catalog on defaults, so `JOB_<NAME>_*` is checked with everything else.
 * Throws `ConfigError` listing every problem.
 */
export function loadSetup(
  env: Record<string, string | undefined>,
  jobs: JobCatalog = catalog,
): Setup {
  const config = loadConfig(env, jobs(loadConfig({}, [])).map((j) => j.name));
  // why a job of the catalog is left out, in words naming the setting
  const leftOut = (name: string) =>
    config.jobs[name]?.enabled === false
      ? `JOB_${name.toUpperCase().replaceAll("-", "_")}_ENABLED=false leaves it out`
      : name === VERDICT_CHECK && config.settlement.rail !== "evm"
      ? "it runs with SETTLEMENT_RAIL=evm only"
      : name === SETTLEMENT_MONITOR && !config.settlement.evm
      ? "it runs with the EVM_* settings only"
      : name === "level-ups" && !config.progression.enabled &&
          env.JOB_LEVEL_UPS_ENABLED === undefined
      ? "AUTO_PROGRESSION_ENABLED=false leaves it out"
      : undefined;
  const all = jobs(config);
  const off = new Map(all.flatMap((s) => {
    const why = leftOut(s.name);
    return why ? [[s.name, why] as const] : [];
  }));
  const specs = all
    .filter((spec) => !off.has(spec.name))
    .map((spec) => {
      const { schedule, timezone } = config.jobs[spec.name] ?? {};
      const zoned = inZone(spec, timezone ?? spec.timezone ?? config.scheduleTimezone);
      return schedule ? withSchedule(zoned, schedule) : zoned;
    });
  const watched = specs.filter((s) => s.name !== HEALTH_MONITOR);
  const run = monitorRun({
    watched,
    pauseAlertAfterMs: config.pauseAlertAfterMs,
    adminChatId: config.adminChatId,
  });
  return {
    config,
    specs: specs.map((s) => s.name === HEALTH_MONITOR ? Object.freeze({ ...s, run }) : s),
    off,
  };
}

/** The config, the jobs it runs, and why it leaves out the others of the catalog. */
export type Setup = {
  config: Readonly<Config>;
  specs: JobSpec[];
  off: ReadonlyMap<string, string>;
};

/**
 * The job `name` of `setup`, or an `UnknownJobError` saying why not: the setting that leaves it
 * out, or that there is no such job (the known ones, and the nearest name if one is close).
 */
export function jobNamed({ specs, off }: Pick<Setup, "specs" | "off">, name: string): JobSpec {
  const spec = specs.find((s) => s.name === name);
  if (spec) return spec;
  const error = new UnknownJobError(name, specs.map((s) => s.name));
  const why = off.get(name);
  const guess = closest(name.toLowerCase(), [...specs.map((s) => s.name), ...off.keys()], 3);
  if (why) error.message = `job "${name}" does not run here: ${why}`;
  else if (guess) error.message += `; did you mean ${guess}?`;
  throw error;
}

import { type JobSpec, withSchedule } from "./actors/job.ts";
import { type Config, loadConfig } from "./config.ts";
import { leaseRescueJob } from "./db/rescue_job.ts";
import { badgeCheckJob } from "./domain/badges.ts";
import { leaderboardRecalcJob, leaderboardResetJob } from "./domain/boards.ts";
import { levelUpsJob } from "./domain/level_ups.ts";
import { lifeRegenJob } from "./domain/life_regen.ts";
import { quizCleanupJob } from "./domain/quiz_cleanup.ts";
import { streakExpiryJob } from "./domain/streak_expiry.ts";

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
  streakExpiryJob({ concurrency: config.batchConcurrency }),
  lifeRegenJob({ concurrency: config.batchConcurrency }),
  quizCleanupJob(),
  leaderboardRecalcJob(),
  leaderboardResetJob("week"),
  leaderboardResetJob("month"),
  badgeCheckJob({ concurrency: config.batchConcurrency }),
];

/**
 * Reads the config and builds the jobs it enables, with their schedule overrides. The job
 * names come from the catalog on defaults, so `JOB_<NAME>_*` is checked with everything else.
 * Throws `ConfigError` listing every problem.
 */
export function loadSetup(
  env: Record<string, string | undefined>,
  jobs: JobCatalog = catalog,
): { config: Readonly<Config>; specs: JobSpec[] } {
  const config = loadConfig(env, jobs(loadConfig({}, [])).map((j) => j.name));
  const disabled = (name: string) =>
    config.jobs[name]?.enabled === false ||
    (name === "level-ups" && !config.progression.enabled &&
      env.JOB_LEVEL_UPS_ENABLED === undefined);
  const specs = jobs(config)
    .filter((spec) => !disabled(spec.name))
    .map((spec) => {
      const schedule = config.jobs[spec.name]?.schedule;
      return schedule ? withSchedule(spec, schedule) : spec;
    });
  return { config, specs };
}

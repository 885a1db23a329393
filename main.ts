/**
 * Warden's entry point: reads the config, opens the database, migrates, starts the
 * supervised jobs and the HTTP server, and shuts all of it down in order on SIGTERM/SIGINT.
 */
import "./actors/process_warnings.ts"; // first: see there
import { collectStartGarbage } from "./actors/process_memory.ts"; // second: see there
import type { JobSpec } from "./actors/job.ts";
import { createLogger, describeError, type Logger } from "./actors/log.ts";
import { createRuntime } from "./actors/runtime.ts";
import { type Config, ConfigError, scrubSecrets, withDotEnv, zoneVariables } from "./config.ts";
import { databaseClock } from "./db/clock.ts";
import {
  clientOptions,
  type Database,
  guardClientBug,
  openDatabase,
  redactUrl,
} from "./db/connect.ts";
import {
  checkPort,
  checkZones,
  dataDirProblem,
  StartupError,
  waitForDatabase,
} from "./db/startup.ts";
import { incidentAlerts } from "./domain/incidents.ts";
import { serverRunConnections } from "./db/run_connections.ts";
import {
  DEFAULT_HANG_GRACE_MS as HANG_GRACE_MS,
  SHUTDOWN_STEPS_MS,
  shutdownBudget,
  within,
} from "./actors/shutdown.ts";
import { migrate } from "./db/migrate.ts";
import { pgRunStore } from "./db/run_store.ts";
import { syncBadges } from "./domain/badges.ts";
import { syncLevels } from "./domain/levels.ts";
import { createRegistry } from "./actors/metrics.ts";
import { createApp } from "./routes/app.ts";
import { runtimeMetrics } from "./routes/metrics.ts";
import { telegramOff } from "./bot/telegram_off.ts";
import type { Runtime } from "./actors/runtime.ts";
import { createReadiness } from "./routes/readiness.ts";
import { catalog, type JobCatalog, loadSetup, railReady } from "./catalog.ts";

export { catalog, type JobCatalog };

/**
 * Starts Warden and resolves when it has shut down. Exit codes: 0 clean, 1 failure (one line
 * on stderr: port in use, database unreachable or missing, unusable `DATA_DIR`, …), 2 bad config.
 */
export async function main(jobs: JobCatalog = catalog, env = withDotEnv()): Promise<number> {
  let config: Readonly<Config>;
  let specs: JobSpec[];
  try {
    ({ config, specs } = loadSetup(env, jobs));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return 2;
  }
  await railReady(config);
  // Whatever a log line or the last error carries (a client's message, a URL), no secret shows.
  const redact = (line: string) => scrubSecrets(line, env);
  try {
    return await run(config, specs, redact);
  } catch (error) {
    const line = error instanceof StartupError ? error.message : describeError(error);
    console.error(redact(`warden: cannot start: ${line.split("\n")[0]}`));
    return 1;
  }
}

/** The database, opened for the start: a port or database problem is a `StartupError`. */
async function openForStart(config: Readonly<Config>, log: Logger): Promise<Database> {
  checkPort(config.port); // before anything is migrated
  let db: Database;
  try {
    db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, share: true, log });
  } catch (error) {
    throw (!config.databaseUrl && dataDirProblem(config.dataDir, error)) || error;
  }
  if (db.kind === "server") {
    await waitForDatabase(db.sql, {
      url: db.url,
      waitMs: config.databaseWaitMs,
      onRetry: (error, delayMs) =>
        log.warn("the database does not answer yet: retrying", { error, delayMs }),
    }).catch(async (error) => {
      await db.close().catch(() => {});
      throw error;
    });
  }
  return db;
}

async function run(
  config: Readonly<Config>,
  specs: JobSpec[],
  redact: (line: string) => string,
): Promise<number> {
  const log = createLogger({ level: config.logLevel, format: config.logFormat, redact }).child({
    node: config.nodeId,
  });
  const root = new AbortController();
  const unguard = guardClientBug((error) =>
    log.error("database client fault contained", { error })
  );
  // From the first moment: a SIGTERM while the start waits for its database, or migrates, ends
  // it cleanly with exit 0 (the default action killed the process with 143 and no word).
  const stopping = Promise.withResolvers<string>();
  let asked: string | undefined; // the first signal, once one came
  const onSignal = (signal: Deno.Signal) => () => {
    asked ??= signal;
    stopping.resolve(signal);
  };
  const signals = (["SIGTERM", "SIGINT"] as const).map((s) => [s, onSignal(s)] as const);
  for (const [s, handler] of signals) Deno.addSignalListener(s, handler);
  const unlisten = () => {
    for (const [s, handler] of signals) Deno.removeSignalListener(s, handler);
  };
  const stoppedEarly = stopping.promise.then((signal) => ({ signal }));
  const stopBeforeStart = (signal: string) => {
    log.info("shutting down before the start finished", { signal });
    unlisten();
    unguard();
    return 0;
  };

  const opened = await Promise.race([
    openForStart(config, log).then((db) => ({ db })),
    stoppedEarly, // nothing is open yet that needs closing: a database still being waited for
  ]).catch((error) => {
    unlisten();
    unguard();
    throw error;
  });
  if (!("db" in opened)) return stopBeforeStart(opened.signal);
  const { db } = opened;
  log.info("database open", {
    kind: db.kind,
    url: redactUrl(db.url),
    dataDir: db.kind === "embedded" ? config.dataDir : undefined,
  });
  const prepared = await (async () => {
    const clock = await databaseClock(db.sql, { log, signal: root.signal });
    const migrated = await migrate(db.sql, { log: (line) => log.info(line) });
    await checkZones(db.sql, zoneVariables(config)); // before a job's SQL fails on one
    await syncLevels(db.sql, config.level);
    await syncBadges(db.sql);
    return { clock, migrated };
  })().catch(async (error) => {
    root.abort();
    unlisten();
    unguard();
    await db.close().catch(() => {});
    throw error;
  });
  // Migrations run to their end (each in its transaction); a stop asked meanwhile ends here.
  if (asked) {
    root.abort();
    await db.close().catch(() => {});
    return stopBeforeStart(asked);
  }
  const { clock, migrated } = prepared;
  const readiness = createReadiness({ ping: () => db.sql`SELECT 1`, clock });
  readiness.markMigrated();
  log.info("migrations applied", {
    applied: migrated.applied,
    alreadyApplied: migrated.alreadyApplied,
  });

  const store = pgRunStore(db.sql, { listen: db.kind === "server" });
  const registry = createRegistry();
  const late: { runtime?: Runtime } = {}; // the bot's admin commands reach the runtime made after it
  // grammY and the bot load only with a token: without one they would sit idle in memory.
  const telegram = config.telegram.botToken
    ? (await import("./bot/telegram.ts")).createTelegram({
      config,
      sql: db.sql,
      clock,
      log,
      registry,
      runtime: () => late.runtime,
    })
    : telegramOff();
  const runtime = createRuntime({
    jobs: specs,
    store,
    db: db.sql,
    clock,
    log,
    node: config.nodeId,
    // On a server each run has its own connections, so an abandoned run's queries are cancelled.
    connections: db.kind === "server"
      ? serverRunConnections({
        url: db.url,
        admin: db.sql,
        max: config.batchConcurrency + 1,
        options: clientOptions({}),
      })
      : undefined,
    hangGraceMs: HANG_GRACE_MS,
    alerts: incidentAlerts(db.sql, { adminChatId: config.adminChatId }),
    children: telegram.children,
  });
  late.runtime = runtime;
  const metrics = runtimeMetrics(registry, runtime, readiness, { sql: db.sql });
  const app = createApp({
    runtime,
    readiness,
    log,
    metrics,
    adminToken: config.adminToken,
    adminChatId: config.adminChatId,
    sql: db.sql,
    dashboard: { ...config.dashboard, zone: config.reportTimezone },
    telegram: telegram.status,
    webhook: telegram.bot && config.telegram.mode === "webhook"
      ? { bot: telegram.bot, secretToken: config.telegram.webhookSecret }
      : undefined,
  });
  const server = Deno.serve({
    port: config.port,
    hostname: "0.0.0.0",
    onListen: ({ port }) => log.info("listening", { port }),
  }, app.fetch);

  runtime.start();
  readiness.markStarted();
  log.info("started", { jobs: specs.map((s) => s.name) });

  await collectStartGarbage();

  const why = await stopping.promise;
  log.info("shutting down", { signal: why, timeoutMs: config.shutdownTimeoutMs });
  readiness.markShuttingDown();
  const budget = shutdownBudget({
    timeoutMs: config.shutdownTimeoutMs,
    hangGraceMs: HANG_GRACE_MS,
  });
  const hardExit = setTimeout(() => {
    log.error("shutdown took too long; exiting hard", { guardMs: budget.guardMs });
    Deno.exit(1);
  }, budget.guardMs);
  try {
    // The runtime drains, then releases its leases (bounded inside it).
    await runtime.shutdown(budget.drainMs);
    root.abort();
    if (!(await within(clock, SHUTDOWN_STEPS_MS.server, server.shutdown()))) {
      log.warn("open requests did not finish; closing without them");
    }
    if (!(await within(clock, SHUTDOWN_STEPS_MS.pool, db.close()))) {
      log.warn("the database pool did not close in time");
    }
  } finally {
    clearTimeout(hardExit);
    unlisten();
    unguard();
  }
  log.info("stopped");
  return 0;
}

/** `deno task start --help`. */
export const START_HELP = `usage: deno task start
  starts Warden: the jobs, the HTTP server (PORT) and, with TELEGRAM_BOT_TOKEN, the bot;
  configured by environment variables and ./.env (README: Configuration), on the embedded
  database in DATA_DIR unless DATABASE_URL names a server; stops cleanly on SIGTERM or SIGINT`;

/** The start takes no arguments but `--help`: anything else is bad input (exit 64), not a start. */
function startArgs(args: string[]): number | undefined {
  if (args.length === 0) return undefined;
  if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) {
    console.log(START_HELP);
    return 0;
  }
  console.error(
    `start: unexpected argument "${args[0]}"; expected none or --help (--help for usage)`,
  );
  return 64;
}

if (import.meta.main) Deno.exit(startArgs(Deno.args) ?? await main());

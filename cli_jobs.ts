/**
 * The job verbs of the command line that read the database or run a job: `jobs list`,
 * `jobs status`, `jobs run`, and the database a command works on.
 */
import type { JobSpec } from "./actors/job.ts";
import { createLogger } from "./actors/log.ts";
import {
  checkCloseNote,
  closeIncident,
  listIncidents,
  UnknownIncident,
} from "./domain/incidents.ts";
import { rowId } from "./domain/row_id.ts";
import { helpOf, UsageError } from "./cli_verbs.ts";
import { runToJson } from "./actors/run_store.ts";
import { createRuntime } from "./actors/runtime.ts";
import { describeSchedule, nextSlot } from "./actors/schedule.ts";
import { isStale, maxAgeOf } from "./actors/task_view.ts";
import type { Config } from "./config.ts";
import { databaseClock } from "./db/clock.ts";
import { type Database, openDatabase } from "./db/connect.ts";
import { dataDirProblem } from "./db/startup.ts";
import { migrate } from "./db/migrate.ts";
import { pgRunStore } from "./db/run_store.ts";
import { syncBadges } from "./domain/badges.ts";
import { syncLevels } from "./domain/levels.ts";

/** Where a command writes its output. */
/** Where a verb writes: its result to `out`; a failed run's error to `err` (default `out`). */
export type Io = { out: (line: string) => void; err?: (line: string) => void };

/** `jobs list`: the jobs, their schedules, zones and next runs. */
export function list(specs: JobSpec[], json: boolean, { out }: Io): number {
  const now = new Date();
  const rows = specs.map((s) => ({
    name: s.name,
    description: s.description,
    schedule: describeSchedule(s.schedule),
    timezone: s.timezone ?? "UTC",
    nextRunAt: nextSlot(s.schedule, now).toISOString(),
  }));
  if (json) out(JSON.stringify(rows));
  else {
    for (const r of rows) {
      out(
        `${r.name.padEnd(28)} ${r.schedule.padEnd(16)} ${r.timezone.padEnd(16)} ` +
          `next ${r.nextRunAt.replace(/\.000Z$/, "Z")}  ${r.description}`,
      );
    }
  }
  return 0;
}

/**
 * `jobs status`: from the database, the cluster's fields as `/health/tasks` shows them (the last
 * finished run, `stale`), on the database's clock.
 */
export async function status(
  db: Database,
  specs: JobSpec[],
  { json, one }: { json: boolean; one: boolean },
  { out }: Io,
): Promise<number> {
  const store = pgRunStore(db.sql);
  const summaries = await store.summaries(specs.map((s) => s.name));
  const now = await store.now();
  const rows = summaries.map((s, i) => ({
    name: s.job,
    schedule: describeSchedule(specs[i].schedule),
    paused: s.paused,
    nextRunAt: s.paused ? null : nextSlot(specs[i].schedule, now).toISOString(),
    lastRun: s.lastFinished ? runToJson(s.lastFinished) : null,
    lastSuccessAt: s.lastSuccessAt?.toISOString() ?? null,
    consecutiveFailures: s.consecutiveFailures,
    stale: isStale(
      { paused: s.paused, lastSuccessAt: s.lastSuccessAt, upSince: s.knownSince ?? now },
      now,
      maxAgeOf(specs[i], now),
    ),
  }));
  if (json) out(JSON.stringify(one ? rows[0] : rows));
  else {
    for (const r of rows) {
      const last = r.lastRun ? `${r.lastRun.outcome} at ${r.lastRun.startedAt}` : "never ran";
      out(
        `${r.name.padEnd(28)} ${r.paused ? "paused " : r.stale ? "stale  " : "active "} ` +
          `last: ${last}; failures in a row: ${r.consecutiveFailures}; next: ${r.nextRunAt ?? "-"}`,
      );
    }
  }
  return 0;
}

/** Runs the job here, claimed like any other run; its outcome decides the exit code (1 unless it succeeded). */
export async function run(
  db: Database,
  config: Readonly<Config>,
  spec: JobSpec,
  options: { wait: boolean; json: boolean; redact?: (line: string) => string },
  { out, err = out }: Io,
): Promise<number> {
  const stop = new AbortController();
  const log = createLogger({
    level: config.logLevel === "debug" ? "debug" : "warn",
    format: config.logFormat,
    redact: options.redact,
  });
  const clock = await databaseClock(db.sql, { log, signal: stop.signal });
  const runtime = createRuntime({
    jobs: [spec],
    store: pgRunStore(db.sql),
    db: db.sql,
    clock,
    log,
    node: `${config.nodeId}-cli`,
    ticks: "manual",
    catchUp: false,
  });
  runtime.start();
  try {
    const record = await runtime.run(spec.name);
    if (!record) throw new Error(`the run of ${spec.name} could not be claimed`);
    if (options.json) out(JSON.stringify(runToJson(record)));
    else if (options.wait) {
      out(`${record.outcome} ${spec.name} run ${record.id} in ${record.durationMs ?? "?"} ms`);
      if (record.result) out(`result: ${JSON.stringify(record.result)}`);
      if (record.error) err(`error: ${record.error}`);
    } else {
      out(`ran ${spec.name}: run ${record.id} ${record.outcome}`);
      if (record.error) err(`error: ${record.error}`);
    }
    return record.outcome === "succeeded" ? 0 : 1; // with or without --wait: it ran here
  } finally {
    await runtime.shutdown(config.shutdownTimeoutMs);
    stop.abort();
  }
}

/** Opens the database (migrated and synced unless `{ migrated: false }`), runs `fn`, closes it. */
export async function withDb<T>(
  config: Readonly<Config>,
  ...[a, b]: [(db: Database) => Promise<T>] | [{ migrated: false }, (db: Database) => Promise<T>]
): Promise<T> {
  const fn = typeof a === "function" ? a : b!;
  let db: Database;
  try {
    db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, max: 2 });
  } catch (error) {
    // The same line as the start's: "DATA_DIR=… cannot hold the database: …", not the OS error.
    throw (!config.databaseUrl && dataDirProblem(config.dataDir, error)) || error;
  }
  try {
    // Reached first outside a reserved connection: postgres.js 3.4.9 tries a failed `reserve`
    // (the migration's) once more, and closing then waited out its 5 s for an error said at once.
    await db.sql`SELECT 1`;
    // A fresh database works at once; on a migrated one this is one read.
    if (typeof a === "function") {
      await migrate(db.sql);
      await syncLevels(db.sql, config.level);
      await syncBadges(db.sql);
    }
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** `jobs incidents`: the newest incidents (the open ones with `--open`), newest first. */
export async function incidents(
  db: Database,
  o: { open: boolean; limit: number; beforeId?: number; json: boolean },
  { out, err }: Io,
): Promise<number> {
  let rows;
  try {
    rows = await listIncidents(db.sql, o);
  } catch (error) {
    if (!(error instanceof UnknownIncident)) throw error;
    err?.(`jobs incidents: ${error.message}`);
    return 1;
  }
  if (o.json) out(JSON.stringify(rows));
  else if (rows.length === 0) out(o.open ? "no open incidents" : "no incidents yet");
  else {
    for (const i of rows) {
      const by = i.closedBy ? ` by ${i.closedBy}: ${i.note}` : "";
      const state = i.closedAt ? `closed ${i.closedAt.toISOString()}${by}` : "open";
      out(`#${i.id}  ${i.openedAt.toISOString()}  ${i.job}  ${i.reason}  ${state}  ${i.detail}`);
    }
  }
  return 0;
}

/** `jobs close-incident <id> --note`: its id and note, or a UsageError naming the fault. */
export function closeArgs(id: string, note: string | undefined): { id: number; note: string } {
  const usage = helpOf(["jobs close-incident"]);
  const parsed = rowId.safeParse(id);
  if (!parsed.success) {
    throw new UsageError(
      `jobs close-incident: expected an incident id (#N in jobs incidents), got "${id}"`,
      usage,
    );
  }
  try {
    return { id: parsed.data, note: checkCloseNote(note) };
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new UsageError(`jobs close-incident: --${error.message}`, usage);
  }
}

/** `jobs close-incident`: closes it as `cli`; exit 1 when there is no such open incident. */
export async function closeOne(
  db: Database,
  config: Config,
  o: { id: number; note: string; json: boolean },
  { out, err }: Io,
): Promise<number> {
  const closed = await closeIncident(db.sql, {
    ...o,
    author: "cli",
    adminChatId: config.adminChatId,
  });
  if (!("incident" in closed)) {
    if (o.json) out(JSON.stringify({ error: closed.error }));
    (err ?? out)(`jobs close-incident: ${closed.error}`);
    return 1;
  }
  const i = closed.incident;
  out(o.json ? JSON.stringify(i) : `closed incident #${i.id} (${i.job}, ${i.reason}): ${i.note}`);
  return 0;
}

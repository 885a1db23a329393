/** What every bench phase shares: a fresh database, a clock, RSS, timing, and the report line. */
import postgres from "postgres";
import { type JobContext, standaloneContext } from "../actors/job.ts";
import { systemClock } from "../actors/clock.ts";
import { type Database, openDatabase } from "../db/connect.ts";

/** Samples this process's RSS while the bench runs. */
export function rssMeter() {
  let peak = Deno.memoryUsage().rss;
  // (rss is the whole process: with embedded PGlite that includes the database itself)
  const timer = setInterval(() => (peak = Math.max(peak, Deno.memoryUsage().rss)), 25);
  return {
    stop() {
      clearInterval(timer);
      return Math.round(Math.max(peak, Deno.memoryUsage().rss) / 2 ** 20);
    },
  };
}

/**
 * CPU ticks used so far by this process and by the local `postgres` processes (the server's
 * helpers, and its backends: with `database`, only that database's, so another client's work on
 * the same server is not counted; none when the database is embedded, which then counts as this
 * process), by process id, from Linux's `/proc`; `undefined` where that cannot be read.
 */
function cpuTicks(database?: string): Map<number, number> | undefined {
  const ticks = new Map<number, number>();
  try {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      let stat;
      try {
        stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      } catch {
        continue; // ended meanwhile
      }
      const pid = Number(entry.name);
      if (pid !== Deno.pid && !stat.includes(" (postgres) ")) continue;
      if (pid !== Deno.pid && database !== undefined && !serves(pid, database)) continue;
      // After the command's closing parenthesis: state is field 3, utime 14 and stime 15.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks.set(pid, Number(fields[11]) + Number(fields[12]));
    }
  } catch {
    return undefined;
  }
  return ticks;
}

/**
 * Whether a `postgres` process works for `database`: a client backend names its database in its
 * title ("postgres: 15/main: user db 127.0.0.1(5432) idle"), an autovacuum worker too; the
 * server's own helpers (checkpointer, WAL writer, …) name none and work for every database.
 */
function serves(pid: number, database: string): boolean {
  let title;
  try {
    title = Deno.readTextFileSync(`/proc/${pid}/cmdline`).replaceAll("\0", " ");
  } catch {
    return false; // ended meanwhile
  }
  const words = title.trim().split(/\s+/);
  const host = words.findIndex((w) => /\(\d+\)$/.test(w) || w === "[local]");
  if (host > 0) return words[host - 1] === database; // "… user database host(port) state"
  return !title.includes("autovacuum worker") || words.at(-1) === database;
}

/** USER_HZ: 100 on every Linux Deno runs on. */
const TICKS = 100;

/** CPU seconds used so far by this process and the local `postgres` processes (`cpuTicks`). */
export function cpuSeconds(): number | undefined {
  const ticks = cpuTicks();
  return ticks && [...ticks.values()].reduce((a, b) => a + b, 0) / TICKS;
}

/**
 * A meter of the CPU seconds this process and the local `postgres` processes use from now on:
 * each process counts what it used since the meter began (or since it started), so one that
 * ends meanwhile takes only its own share away and the reading never goes down; `undefined`
 * where `/proc` cannot be read.
 *
 * @example
 * const meter = cpuMeter(); await work(); const seconds = meter?.();
 */
export function cpuMeter(database?: string): (() => number) | undefined {
  const split = cpuSplitMeter(database);
  return split && (() => {
    const { app, db } = split();
    return app + db;
  });
}

/**
 * `cpuMeter` split in two: `app`, this process's CPU seconds; `db`, the local `postgres`
 * processes' (for `database`, see `cpuTicks`).
 */
export function cpuSplitMeter(
  database?: string,
): (() => { app: number; db: number }) | undefined {
  const start = cpuTicks(database);
  if (!start) return undefined;
  return () => {
    let [app, db] = [0, 0];
    for (const [pid, t] of cpuTicks(database) ?? []) {
      const used = t - (start.get(pid) ?? 0);
      if (pid === Deno.pid) app += used;
      else db += used;
    }
    return { app: Math.max(0, app) / TICKS, db: Math.max(0, db) / TICKS };
  };
}

export async function freshDatabase(): Promise<{ db: Database; drop(): Promise<void> }> {
  const server = Deno.env.get("DATABASE_URL");
  if (server) {
    const admin = postgres(server, { max: 1, onnotice: () => {} });
    const name = `warden_bench_${crypto.randomUUID().slice(0, 8)}`;
    await admin.unsafe(`CREATE DATABASE "${name}"`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    const db = await openDatabase({ url: url.toString(), max: 4 });
    return {
      db,
      async drop() {
        await db.close();
        await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end();
      },
    };
  }
  const dir = await Deno.makeTempDir({ prefix: "warden-bench-" });
  const db = await openDatabase({ dataDir: dir });
  return {
    db,
    async drop() {
      await db.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

export function context(db: postgres.Sql, slot: Date): JobContext {
  return standaloneContext({ db, clock: systemClock(), scheduledFor: slot, trigger: "manual" });
}

/**
 * Starts each measured phase right after a checkpoint, as a job that runs every few hours
 * does: every page it first writes then costs a full-page image in the WAL. Without this, a
 * phase pays for them or not depending on when the server last checkpointed.
 */
export async function checkpoint(sql: postgres.Sql) {
  await sql`CHECKPOINT`.catch(() => {}); // needs rights the bench's own database may not give
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

/** One comparison line: Warden against the naive loop and the single-statement bound. */
export interface Line {
  job: string;
  members: number;
  warden_per_s: number;
  naive_per_s: number;
  bound_per_s: number;
  vs_naive: number;
  vs_bound: number;
  peak_rss_mb: number;
  [extra: string]: unknown;
}

export function compare(
  job: string,
  members: number,
  warden: { n: number; seconds: number },
  naive: { n: number; seconds: number },
  bound: { n: number; seconds: number },
  peakRss: number,
  extra: Record<string, unknown>,
): Line {
  const w = warden.n / warden.seconds;
  const n = naive.n / naive.seconds;
  const b = bound.n / bound.seconds;
  return {
    job,
    members,
    warden_per_s: Math.round(w),
    naive_per_s: Math.round(n),
    bound_per_s: Math.round(b),
    vs_naive: +(w / n).toFixed(1),
    vs_bound: +(b / w).toFixed(2),
    peak_rss_mb: peakRss,
    warden_s: +warden.seconds.toFixed(2),
    bound_s: +bound.seconds.toFixed(2),
    naive_sample: naive.n,
    ...extra,
  };
}

export function print(line: Line, json: boolean) {
  if (json) return console.log(JSON.stringify(line));
  const {
    job,
    members,
    warden_per_s,
    naive_per_s,
    bound_per_s,
    vs_naive,
    vs_bound,
    peak_rss_mb,
    ...rest
  } = line;
  console.log(
    `${job} members=${members} warden_per_s=${warden_per_s} naive_per_s=${naive_per_s} bound_per_s=${bound_per_s} ` +
      `vs_naive=${vs_naive}x vs_bound=${vs_bound}x peak_rss_mb=${peak_rss_mb}  (${
        Object.entries(rest).map(([k, v]) => `${k}=${v}`).join(" ")
      })`,
  );
}

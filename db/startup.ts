/**
 * The start's first contact with its database and port, turned into one clear line when it
 * fails (`StartupError`): a server that does not answer yet is retried with backoff for a
 * bounded time; a missing database, refused credentials or an unusable `DATA_DIR` fail at once.
 */
import type postgres from "postgres";
import { describeError } from "../actors/log.ts";
import { isDatabaseUnavailable } from "./outage.ts";
import { redactUrl } from "./connect.ts";

/** A start-up failure: its message is the one line the operator reads; exit code 1. */
export class StartupError extends Error {
  override name = "StartupError";
}

/** Fails when `port` is taken, before anything is migrated. */
export function checkPort(port: number): void {
  try {
    Deno.listen({ port, hostname: "0.0.0.0" }).close();
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new StartupError(`port ${port} is in use by another program: stop it or set PORT`);
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new StartupError(
        `port ${port} needs privileges this process lacks: set PORT above 1023`,
      );
    }
    throw error;
  }
}

/**
 * What a failed open of the embedded database means, as one line naming `DATA_DIR`; undefined
 * when the failure is not the directory's (then it is reported as it is).
 */
export function dataDirProblem(dataDir: string, error: unknown): StartupError | undefined {
  const why = error instanceof Deno.errors.PermissionDenied
    ? "permission denied: the directory must be writable by this user"
    : error instanceof Deno.errors.AlreadyExists || error instanceof Deno.errors.NotADirectory
    ? "it is a file, not a directory"
    : undefined;
  if (!why) return undefined;
  return new StartupError(`DATA_DIR=${JSON.stringify(dataDir)} cannot hold the database: ${why}`);
}

/** SQLSTATEs no retry cures: the database does not exist, or the login is refused. */
function permanentProblem(error: unknown, url: string): string | undefined {
  const code = (error as { code?: unknown })?.code;
  const db = new URL(url).pathname.slice(1) || "(none)";
  if (code === "3D000") {
    return `database "${db}" does not exist on ${
      redactUrl(url)
    }: create it (createdb ${db}) or fix DATABASE_URL`;
  }
  if (code === "28P01" || code === "28000") {
    return `the database refused the login for ${redactUrl(url)}: ${
      describeError(error).split("\n")[0]
    }`;
  }
  return undefined;
}

/**
 * Waits until `sql` answers `SELECT 1`: a server not reachable yet is retried every 0.5, 1, 2,
 * 4… s (at most 5 s apart) until `waitMs` has passed, then fails; anything else fails at once.
 */
export async function waitForDatabase(
  sql: postgres.Sql,
  o: { url: string; waitMs: number; onRetry?: (error: unknown, delayMs: number) => void },
): Promise<void> {
  const deadline = Date.now() + o.waitMs;
  for (let attempt = 0;; attempt++) {
    try {
      await sql`SELECT 1`;
      return;
    } catch (error) {
      const permanent = permanentProblem(error, o.url);
      if (permanent) throw new StartupError(permanent);
      if (!isDatabaseUnavailable(error)) {
        throw new StartupError(
          `the database at ${redactUrl(o.url)} failed: ${describeError(error).split("\n")[0]}`,
        );
      }
      const delayMs = Math.min(5_000, 500 * 2 ** attempt);
      if (Date.now() + delayMs > deadline) {
        throw new StartupError(
          `cannot reach the database at ${redactUrl(o.url)} after ${
            Math.round(o.waitMs / 1000)
          } s: ${describeError(error).split("\n")[0]}`,
        );
      }
      o.onRetry?.(error, delayMs);
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

/**
 * Fails naming every variable whose zone the database does not list. The config's own check
 * (`isZone`) already refuses what PostgreSQL 15 and PGlite both lack; this catches a server whose
 * system tz database lacks more (a distribution that ships the legacy links, `US/Pacific`, apart).
 */
export async function checkZones(sql: postgres.Sql, vars: Record<string, string>): Promise<void> {
  const names = Object.keys(vars).sort();
  const missing = await sql<{ name: string; zone: string }[]>`
    SELECT v.name, v.zone
    FROM unnest(${names}::text[], ${names.map((n) => vars[n])}::text[]) WITH ORDINALITY
      AS v(name, zone, i)
    WHERE NOT EXISTS (SELECT 1 FROM pg_timezone_names t WHERE lower(t.name) = lower(v.zone))
    ORDER BY v.i`;
  if (missing.length === 0) return;
  const list = missing.map((m) => `${m.name}=${JSON.stringify(m.zone)}`).join(", ");
  const what = missing.length === 1 ? "not a time zone" : "not time zones";
  throw new StartupError(`${list}: ${what} this database lists (pg_timezone_names)`);
}

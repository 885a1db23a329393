import type postgres from "postgres";

/** A migration that cannot be read, was edited after it ran, or failed to apply. */
export class MigrationError extends Error {
  override name = "MigrationError";
}

/** What `migrate` did: file names it applied now, and how many were there already. */
export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

export interface MigrateOptions {
  /** Folder of `NNNN_name.sql` files; default `db/migrations/`. */
  dir?: URL | string;
  log?: (line: string) => void;
}

interface Migration {
  version: string;
  name: string;
  file: string;
  text: string;
  checksum: string;
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;
/** Key of the session-level advisory lock that serialises starters ("warden:migrate"). */
export const LOCK_KEY = 7_303_982_416_270_137;

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function fileIn(dir: URL | string, file: string): URL | string {
  if (typeof dir === "string") return `${dir.replace(/\/+$/, "")}/${file}`;
  return new URL(file, dir.href.endsWith("/") ? dir : `${dir.href}/`);
}

async function readMigrations(dir: URL | string): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".sql")) continue;
    const match = FILE_NAME.exec(entry.name);
    if (!match) {
      throw new MigrationError(
        `Cannot read migration ${entry.name}: expected a name like 0002_add_outbox.sql`,
      );
    }
    const text = await Deno.readTextFile(fileIn(dir, entry.name));
    const [, version, name] = match;
    migrations.push({ version, name, file: entry.name, text, checksum: await sha256(text) });
  }
  migrations.sort((a, b) => Number(a.version) - Number(b.version)); // four digits each
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i].version === migrations[i - 1].version) {
      throw new MigrationError(
        `Cannot order migrations: ${migrations[i - 1].file} and ${
          migrations[i].file
        } share version ${migrations[i].version}`,
      );
    }
  }
  return migrations;
}

function changed(migration: Migration, recorded: string): MigrationError {
  return new MigrationError(
    `Migration ${migration.file} changed after it was applied: recorded checksum ${recorded}, ` +
      `file checksum ${migration.checksum}. Add a new migration instead of editing this one.`,
  );
}

/**
 * Applies the pending `NNNN_name.sql` files in version order, each in its own transaction, and
 * records them in `schema_migrations`. Starters in several processes are serialised by a
 * session-level advisory lock held on one reserved connection for the whole run: the second
 * starter reads the ledger only after the first has finished, so it finds everything applied.
 * On embedded PGlite one process owns the data directory; clients inside it share one session,
 * where the lock is a no-op, so each transaction checks the ledger again before applying. A file
 * must not hold its own BEGIN/COMMIT nor statements that refuse a transaction.
 *
 * @example
 * const { applied } = await migrate(db.sql, { log: console.log });
 */
export async function migrate(
  sql: postgres.Sql,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const dir = options.dir ?? new URL("./migrations/", import.meta.url);
  const log = options.log ?? (() => {});
  const migrations = await readMigrations(dir);

  const conn = await sql.reserve();
  try {
    await conn.unsafe(`SELECT pg_advisory_lock(${LOCK_KEY})`);
    try {
      return await applyPending(conn, migrations, log);
    } finally {
      // A lost connection released the lock with it: keep the error that mattered.
      await conn.unsafe(`SELECT pg_advisory_unlock(${LOCK_KEY})`).catch(() => {});
    }
  } finally {
    conn.release();
  }
}

async function applyPending(
  conn: postgres.ReservedSql,
  migrations: Migration[],
  log: (line: string) => void,
): Promise<MigrateResult> {
  await conn`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`;
  const rows = await conn<{ version: string; checksum: string }[]>`
    SELECT version, checksum FROM schema_migrations`;
  const recorded = new Map(rows.map((row) => [row.version, row.checksum]));

  const result: MigrateResult = { applied: [], alreadyApplied: 0 };
  for (const migration of migrations) {
    const checksum = recorded.get(migration.version);
    if (checksum !== undefined) {
      if (checksum !== migration.checksum) throw changed(migration, checksum);
      result.alreadyApplied++;
      continue;
    }
    // The checksum another starter recorded meanwhile, or null when this one applied the file.
    const found = await inTransaction(conn, async () => {
      // Clients of the embedded server share one PGlite session, where the advisory lock does
      // not separate them: the ledger is checked again inside the transaction.
      const [row] = await conn<{ checksum: string }[]>`
        SELECT checksum FROM schema_migrations WHERE version = ${migration.version}`;
      if (row) return row.checksum;
      await conn.unsafe(migration.text).catch((error) => {
        throw new MigrationError(
          `Cannot apply migration ${migration.file}: ${
            error instanceof Error ? error.message : String(error)
          }`,
          { cause: error },
        );
      });
      await conn`
        INSERT INTO schema_migrations (version, name, checksum)
        VALUES (${migration.version}, ${migration.name}, ${migration.checksum})`;
      return null;
    });
    if (found === null) {
      result.applied.push(migration.file);
      log(`migrate: applied ${migration.file}`);
    } else if (found !== migration.checksum) {
      throw changed(migration, found);
    } else {
      result.alreadyApplied++;
    }
  }
  if (result.applied.length === 0) log(`migrate: up to date (${result.alreadyApplied} applied)`);
  return result;
}

/** A reserved connection has no `begin()` in postgres.js: the transaction is spelled out. */
async function inTransaction<T>(conn: postgres.ReservedSql, body: () => Promise<T>): Promise<T> {
  await conn`BEGIN`;
  try {
    const value = await body();
    await conn`COMMIT`;
    return value;
  } catch (error) {
    // If the connection itself is gone, the server has rolled back already.
    await conn`ROLLBACK`.catch(() => {});
    throw error;
  }
}

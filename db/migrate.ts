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
/** Key of the transaction-level advisory lock that serialises starters ("warden:migrate"). */
const LOCK_KEY = 7_303_982_416_270_137;

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
  migrations.sort((a, b) => a.version.localeCompare(b.version));
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
 * transaction-level advisory lock taken in every migration transaction (on embedded PGlite the
 * socket server already runs one client's transaction at a time, and the lock is a no-op). A file
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

  await sql.begin(async function createLedger(tx) {
    await tx.unsafe(`SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
    await tx`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version text PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`;
  });
  const rows = await sql<{ version: string; checksum: string }[]>`
    SELECT version, checksum FROM schema_migrations`;
  const recorded = new Map(rows.map((row) => [row.version, row.checksum]));

  const result: MigrateResult = { applied: [], alreadyApplied: 0 };
  const pending: Migration[] = [];
  for (const migration of migrations) {
    const checksum = recorded.get(migration.version);
    if (checksum === undefined) pending.push(migration);
    else if (checksum !== migration.checksum) throw changed(migration, checksum);
    else result.alreadyApplied++;
  }

  for (const migration of pending) {
    const outcome = await sql.begin(async function applyMigration(tx) {
      await tx.unsafe(`SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
      // Another starter may have applied it while this one waited for the lock.
      const [row] = await tx<{ checksum: string }[]>`
        SELECT checksum FROM schema_migrations WHERE version = ${migration.version}`;
      if (row) {
        if (row.checksum !== migration.checksum) throw changed(migration, row.checksum);
        return "already" as const;
      }
      try {
        await tx.unsafe(migration.text);
      } catch (error) {
        throw new MigrationError(
          `Cannot apply migration ${migration.file}: ${
            error instanceof Error ? error.message : String(error)
          }`,
          { cause: error },
        );
      }
      await tx`
        INSERT INTO schema_migrations (version, name, checksum)
        VALUES (${migration.version}, ${migration.name}, ${migration.checksum})`;
      return "applied" as const;
    });
    if (outcome === "applied") {
      result.applied.push(migration.file);
      log(`migrate: applied ${migration.file}`);
    } else {
      result.alreadyApplied++;
    }
  }
  if (result.applied.length === 0) log(`migrate: up to date (${result.alreadyApplied} applied)`);
  return result;
}

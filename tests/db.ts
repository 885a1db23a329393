import postgres from "postgres";
import { type Database, openDatabase, type RestartOptions } from "../db/connect.ts";
import { copyEmbeddedTemplate, createFromServerTemplate, withDatabase } from "./db_template.ts";

/** A database of its own for one test file; dispose of it (or `close`) when done. */
export interface TestDb {
  sql: postgres.Sql;
  url: string;
  kind: "server" | "embedded";
  /** The environment that points a child process (the CLI) at this database. */
  env: Record<string, string>;
  /** Embedded only: stop and restart the socket server on the same port, see `restartEmbedded`. */
  restart?(options?: RestartOptions): Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Server to create the database on; default `DATABASE_URL`, `null` forces embedded PGlite. */
  databaseUrl?: string | null;
  /** Apply `db/migrations/` (default true); false leaves the database empty. */
  migrate?: boolean;
  /** Embedded only: let child processes (the CLI) join through the socket, as a server does. */
  share?: boolean;
}

function randomName(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `warden_t_${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

async function onServer(
  serverUrl: string,
  migrated: boolean,
): Promise<{ db: Database; dispose(): Promise<void>; dataDir?: string }> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  const name = randomName();
  try {
    if (migrated) await createFromServerTemplate(admin, serverUrl, name);
    else await admin.unsafe(`CREATE DATABASE "${name}"`);
  } catch (error) {
    await admin.end();
    throw error;
  }
  const db = await openDatabase({ url: withDatabase(serverUrl, name), max: 4 });
  return {
    db,
    async dispose() {
      try {
        await db.close();
        await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}

async function embedded(
  share: boolean,
  migrated: boolean,
): Promise<{ db: Database; dispose(): Promise<void>; dataDir?: string }> {
  const dataDir = await Deno.makeTempDir({ prefix: "warden_t_" });
  if (migrated) await copyEmbeddedTemplate(dataDir);
  const db = await openDatabase({ dataDir, share });
  return {
    db,
    dataDir,
    async dispose() {
      try {
        await db.close();
      } finally {
        await Deno.remove(dataDir, { recursive: true });
      }
    },
  };
}

/**
 * A fresh, migrated database: a new `warden_t_…` database on the `DATABASE_URL` server (dropped
 * on close), or else embedded PGlite in a temp dir served through the socket server.
 *
 * @example
 * await using db = await testDatabase();
 * await db.sql`SELECT 1`;
 */
export async function testDatabase(options: TestDatabaseOptions = {}): Promise<TestDb> {
  const serverUrl = options.databaseUrl === undefined
    ? Deno.env.get("DATABASE_URL")
    : options.databaseUrl;
  // A migrated database is a copy of the run's template (see db_template.ts); an empty one is new.
  const migrated = options.migrate ?? true;
  const opened = serverUrl
    ? await onServer(serverUrl, migrated)
    : await embedded(options.share ?? false, migrated);
  const { db, dispose } = opened;
  let closed: Promise<void> | undefined;
  const close = () => closed ??= dispose();
  return {
    sql: db.sql,
    url: db.url,
    kind: db.kind,
    env: opened.dataDir ? { DATA_DIR: opened.dataDir, DATABASE_URL: "" } : { DATABASE_URL: db.url },
    restart: db.restartEmbedded,
    close,
    [Symbol.asyncDispose]: close,
  };
}

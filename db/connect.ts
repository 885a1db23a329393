import postgres from "postgres";
import type { PGlite } from "@electric-sql/pglite";
import type { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { claimDataDir } from "./data_dir_owner.ts";
import { pgSocket } from "./pg_socket.ts";
import type { Logger } from "../actors/log.ts";

/** The one database handle of the app: a postgres.js pool, on a server or on embedded PGlite. */
export interface Database {
  /**
   * postgres.js client; the only query path for the app. `int8` comes back as a JS number.
   * Embedded, it is ONE connection: inside `sql.begin(tx => …)` query through `tx` only, since a
   * query on `sql` would wait for the transaction that waits for it.
   */
  sql: postgres.Sql;
  kind: "server" | "embedded";
  /** Connection URL actually used, for child processes and the CLI; log it through `redactUrl`. */
  url: string;
  /**
   * Embedded only: stop the socket server and start it again on the same port (an outage, for
   * tests); `whileDown` runs while it is stopped.
   */
  restartEmbedded?(options?: RestartOptions): Promise<void>;
  /** Ends the pool; embedded also stops the socket server and closes PGlite. */
  close(): Promise<void>;
}

/** Options of `Database.restartEmbedded`. */
export interface RestartOptions {
  /** Runs between stop and start, e.g. to observe queries failing during the outage. */
  whileDown?: () => Promise<void>;
}

/** What `openDatabase` needs: a server `url`, or else a `dataDir` for embedded PGlite. */
export interface OpenDatabaseOptions {
  /** A `postgres://` URL. When set, `dataDir` is ignored. */
  url?: string;
  /** Directory of the embedded database, created if missing; used when `url` is not set. */
  dataDir?: string;
  /**
   * Embedded only: let other processes (CLI commands, more replicas) join this one's socket.
   * A server process shares; a short-lived command does not, so nobody joins it and then
   * loses it when it ends (they wait for it instead).
   */
  share?: boolean;
  /** Pool size on a server (default 10). Embedded always uses 1, see `EMBEDDED_POOL`. */
  max?: number;
  /** Receives NOTICE/WARNING messages from Postgres; they are dropped when not set. */
  onNotice?: (notice: postgres.Notice) => void;
  /** Embedded only: how a new data directory got its cluster (default: an info-level logger). */
  log?: Logger;
}

/**
 * `int8` parsed to a JS number, so `count(*)`, sums and `bigint` ids compare and serialise like
 * every other number. A value beyond ±2^53 fails the query instead of losing digits silently.
 * `numeric` stays a string (postgres.js default).
 */
const int8AsNumber = {
  to: 20,
  from: [20],
  serialize: (value: number | bigint) => String(value),
  parse(text: string): number {
    const value = Number(text);
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`Cannot read int8 ${text} as a number: it is beyond ±2^53`);
    }
    return value;
  },
};

/**
 * The client settings every postgres.js pool of the app uses (int8 as number, notices, timeouts,
 * and sockets that report an error as a close at once: see `pgSocket`).
 */
export function clientOptions(options: Pick<OpenDatabaseOptions, "onNotice">) {
  return {
    onnotice: options.onNotice ?? (() => {}),
    connect_timeout: 10,
    types: { int8: int8AsNumber },
    socket: pgSocket(),
  };
}

/**
 * pglite-socket 0.2.17, read from its source: every client socket shares ONE PGlite backend
 * session. The server splits each socket's bytes into protocol messages and runs them one at a
 * time through a shared queue; it keeps serving the same client only while
 * `db.isInTransaction()` (Postgres `IsTransactionBlock()`) is true, i.e. inside BEGIN…COMMIT.
 * So (1) explicit transactions of different clients do not interleave, but (2) the messages of
 * an extended-protocol exchange (Parse/Bind/Describe/Execute … Sync) of two clients can, and the
 * unnamed statement and portal are per session: tried with two postgres.js clients,
 * `prepare: false`, it answered "bind message supplies 2 parameters, but prepared statement ""
 * requires 1". And (3) session state (SET, session advisory locks, prepared statements, temp
 * tables) is shared by all clients and survives their disconnects.
 *
 * Hence: the app pool is one connection (no interleaving within the process, and
 * `sql.begin` keeps its meaning); `prepare: false`, since named statements would pile up in the
 * one session across reconnects; no idle/lifetime recycling. Other clients (CLI, a second pool
 * in tests) are made safe by `batchAffinity`.
 */
const EMBEDDED_POOL = { max: 1, prepare: false, idle_timeout: 0, max_lifetime: 0 } as const;
/** Sockets the embedded server accepts: the app's one plus CLI/test clients. */
const EMBEDDED_MAX_CLIENTS = 16;

const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);
/** Frontend messages that open or continue an extended-protocol exchange ended by Sync ("S"). */
const MID_EXCHANGE = new Set(["P", "B", "D", "E", "C", "H"].map((c) => c.charCodeAt(0)));

/**
 * The PGlite surface pglite-socket uses, with `isInTransaction()` also true from a client's Parse
 * up to its Sync, so the server's queue keeps that client's turn for the whole exchange.
 * Not covered: COPY … FROM STDIN from a second client while another client is active.
 */
function batchAffinity(db: PGlite): PGlite {
  let midExchange = false;
  const view: Pick<
    PGlite,
    "waitReady" | "runExclusive" | "execProtocolRawStream" | "isInTransaction" | "exec"
  > = {
    waitReady: db.waitReady,
    runExclusive: (fn) => db.runExclusive(fn),
    execProtocolRawStream(message, options) {
      midExchange = MID_EXCHANGE.has(message[0]);
      return db.execProtocolRawStream(message, options);
    },
    isInTransaction: () => midExchange || db.isInTransaction(),
    // The server calls this only with ROLLBACK, for a client that left during its turn.
    async exec(query, options) {
      if (midExchange) {
        midExchange = false;
        await db.runExclusive(() => db.execProtocolRawStream(SYNC, { onRawData: () => {} }));
      }
      return db.isInTransaction() ? await db.exec(query, options) : [];
    },
  };
  return view as PGlite;
}

async function openEmbedded(options: OpenDatabaseOptions, dataDir: string): Promise<Database> {
  await Deno.mkdir(dataDir, { recursive: true });
  const ownership = await claimDataDir(dataDir);
  if (ownership.kind === "join") {
    // Another process serves this directory: be one more client of its socket.
    const url = `postgres://postgres@127.0.0.1:${ownership.port}/postgres`;
    const sql = postgres(url, { ...clientOptions(options), ...EMBEDDED_POOL });
    return { sql, kind: "embedded", url, close: () => sql.end({ timeout: 5 }) };
  }
  let pglite: PGlite;
  try {
    // PGlite and its socket server are loaded here, embedded only: a server start never needs them.
    pglite = await (await import("./pglite_init.ts")).openPGlite(dataDir, options.log);
  } catch (error) {
    await ownership.release();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot open the embedded database in ${dataDir}: ${reason}`, { cause: error });
  }
  const shared = batchAffinity(pglite);
  const serve = async function serve(port: number) {
    const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
    const server = new PGLiteSocketServer({
      db: shared,
      host: "127.0.0.1",
      port,
      maxConnections: EMBEDDED_MAX_CLIENTS,
    });
    await server.start();
    return server;
  };
  let server: PGLiteSocketServer;
  try {
    server = await serve(0);
  } catch (error) {
    await pglite.close();
    await ownership.release();
    throw error;
  }
  const port = Number(server.getServerConn().split(":").pop());
  if (options.share) await ownership.publish(port);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const sql = postgres(url, { ...clientOptions(options), ...EMBEDDED_POOL });
  return {
    sql,
    kind: "embedded",
    url,
    async restartEmbedded(restart = {}) {
      await server.stop();
      try {
        await restart.whileDown?.();
      } finally {
        server = await serve(port);
      }
    },
    async close() {
      try {
        await sql.end({ timeout: 5 });
      } finally {
        try {
          await server.stop();
        } finally {
          await pglite.close();
          await ownership.release();
        }
      }
    },
  };
}

/**
 * One more client on a database the app already uses (a test's second replica, say), with
 * the app's client settings; `embedded` keeps to the rules of the shared PGlite session.
 */
export function connectClient(
  url: string,
  options: { embedded: boolean; max?: number },
): postgres.Sql {
  return postgres(url, {
    ...clientOptions({}),
    ...(options.embedded ? EMBEDDED_POOL : { max: options.max ?? 2 }),
  });
}

/**
 * Opens the app's database: a postgres.js pool on `url`, or, without one, embedded PGlite
 * persisted in `dataDir`, served on a loopback port and reached through the same client.
 *
 * @example
 * const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.url) {
    const url = options.url;
    const sql = postgres(url, {
      ...clientOptions(options),
      max: options.max ?? 10,
      idle_timeout: 60,
    });
    return { sql, kind: "server", url, close: () => sql.end({ timeout: 5 }) };
  }
  if (!options.dataDir) {
    throw new Error("Cannot open the database: expected a url or a dataDir, got neither");
  }
  return await openEmbedded(options, options.dataDir);
}

/**
 * The URL with any password replaced by `***`, for logs.
 *
 * @example
 * redactUrl("postgres://app:s3cret@db:5432/warden"); // "postgres://app:***@db:5432/warden"
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    for (const key of ["password", "pass"]) {
      if (parsed.searchParams.has(key)) parsed.searchParams.set(key, "***");
    }
    return parsed.toString();
  } catch {
    // Not a WHATWG URL (say, several hosts): blank whatever sits between "user:" and "@".
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@]*@/i, "$1:***@");
  }
}

/**
 * Two faults of postgres.js 3.4.9 that must not end the process:
 * - it can throw from a timer when a connection drops inside a transaction (upstream issues
 *   #1154 and #1208: "Cannot read properties of null (reading 'write')");
 * - a backend Warden terminates on purpose (an abandoned run, a rescued one: code 57P01,
 *   "terminating connection due to administrator command") can reject a promise of the client's
 *   own that nobody awaits, seen once in CI on the abandon test.
 * A lost connection must only fail its queries. Returns the function that removes the guard.
 */
export function guardClientBug(report: (error: unknown) => void): () => void {
  const onError = (event: ErrorEvent) => {
    const error = event.error;
    if (error instanceof TypeError && /postgres[/@][^\n]*connection\.js/.test(error.stack ?? "")) {
      event.preventDefault();
      report(error);
    }
  };
  const onRejection = (event: PromiseRejectionEvent) => {
    const error = event.reason as { code?: unknown; stack?: unknown } | null;
    if (
      error?.code === "57P01" && typeof error.stack === "string" &&
      /postgres[/@][^\n]*connection\.js/.test(error.stack)
    ) {
      event.preventDefault();
      report(error);
    }
  };
  globalThis.addEventListener("error", onError);
  globalThis.addEventListener("unhandledrejection", onRejection);
  return () => {
    globalThis.removeEventListener("error", onError);
    globalThis.removeEventListener("unhandledrejection", onRejection);
  };
}

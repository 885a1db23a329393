/**
 * How the embedded database (PGlite) is created and tuned: its Postgres settings, and the
 * cluster of a new data directory: loaded from the prebuilt `db/cluster.tar.gz` when it fits the
 * installed PGlite, else made by initdb in a short-lived child process. `deno run -A
 * db/pglite_init.ts --warden-initdb DIR` is that child.
 */
import { PGlite } from "@electric-sql/pglite";
import { createLogger, type Logger } from "../actors/log.ts";
import { extractCluster } from "./cluster_load.ts";
import v8 from "node:v8";
import vm from "node:vm";

/**
 * Postgres settings of the embedded database, on top of PGlite's own start parameters. PGlite
 * runs Postgres in WebAssembly, whose memory grows but never shrinks, so whatever Postgres
 * touches once stays resident for the life of the process; its defaults are a server's
 * (128 MB of shared buffers, 64 MB per index build). Warden's tables are small next to that
 * and their files sit in the OS page cache anyway (bench/footprint.ts measures both the
 * memory and a 100k-member `level-ups` run).
 */
export const EMBEDDED_SETTINGS: readonly string[] = [
  "shared_buffers=16MB",
  "maintenance_work_mem=16MB",
  "temp_buffers=4MB",
  "work_mem=4MB",
];

export function pgliteOptions() {
  return {
    startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS.flatMap((s) => ["-c", s])],
  };
}

/**
 * Opens PGlite on `dataDir`, giving an uninitialised one its cluster first, in a child process
 * that ends (`initdbApart`): the prebuilt cluster unpacked (`openPrebuilt`), or initdb when it
 * does not fit; so neither the unpacking's buffers nor initdb's memory stay in Warden. When this
 * process may not run a child, the same happens in-process.
 */
export async function openPGlite(dataDir: string, log = createLogger()): Promise<PGlite> {
  if (!(await uninitialised(dataDir)) || await initdbApart(dataDir)) {
    return await PGlite.create(dataDir, pgliteOptions());
  }
  const pglite = await openNew(dataDir, log);
  collectGarbage();
  return pglite;
}

/** Opens an uninitialised `dataDir`: the prebuilt cluster if it fits, else initdb by PGlite. */
function openNew(dataDir: string, log: Logger): Promise<PGlite> {
  return openPrebuilt(dataDir, log).then((p) => p ?? PGlite.create(dataDir, pgliteOptions()));
}

/** A fresh, empty cluster made by `deno task cluster` (db/cluster_build.ts). */
export const CLUSTER_TARBALL = new URL("./cluster.tar.gz", import.meta.url);

/** What Postgres keeps at the top of a data directory (the rest, say `warden.lock`, is Warden's). */
const POSTGRES_FILE =
  /^(PG_VERSION|base|global|pg_[\w.]+|postgresql(\.auto)?\.conf|postmaster\.\w+)$/;

/**
 * Opens an uninitialised `dataDir` with the cluster of `CLUSTER_TARBALL` written into it, so no
 * initdb runs: initdb alone peaks at ~600 MB. The tarball is unpacked by `extractCluster`, not
 * PGlite's `loadDataDir`, which holds it in memory several times over. Returns undefined, with
 * `dataDir` cleared of Postgres's files, when there is no tarball or PGlite cannot start on it
 * (say, after an upgrade that changed Postgres's on-disk format and before `deno task cluster`
 * ran): then the caller runs initdb instead.
 */
export async function openPrebuilt(
  dataDir: string,
  log: Logger,
  from: URL = CLUSTER_TARBALL,
): Promise<PGlite | undefined> {
  try {
    if (from.protocol !== "file:" || !(await Deno.stat(from)).isFile) throw new Error("no file");
  } catch {
    log.debug("no prebuilt database cluster, running initdb", { path: from.pathname });
    return undefined;
  }
  try {
    await extractCluster(from, dataDir);
    return await PGlite.create(dataDir, pgliteOptions());
  } catch (error) {
    for await (const entry of Deno.readDir(dataDir)) {
      if (POSTGRES_FILE.test(entry.name)) {
        await Deno.remove(`${dataDir}/${entry.name}`, { recursive: true });
      }
    }
    log.info("prebuilt database cluster does not fit this PGlite, running initdb instead", {
      path: from.pathname,
      error: error instanceof Error ? error.message : String(error),
      fix: "deno task cluster",
    });
    return undefined;
  }
}

/** The argument that makes this module, run as a program, create a data directory's cluster. */
const INITDB_ARG = "--warden-initdb";

/**
 * Creates the database cluster of an empty `dataDir` in a short-lived child process. PGlite's
 * initdb runs a second, throwaway Postgres instance (its own WebAssembly memory) beside the
 * one it opens, and copies the new cluster from one to the other: measured, the first start's
 * RSS peaked at 810–855 MB in one process, and the throwaway half stayed resident until V8 got
 * round to collecting it. In a child that ends, all of it goes back to the OS, and Warden's own
 * heap is not resident beside it. Returns false when this process may not run one (no
 * `--allow-run`, or not the deno CLI on source files): then PGlite runs initdb in-process.
 */
export async function initdbApart(dataDir: string): Promise<boolean> {
  const deno = Deno.execPath();
  // Run from source files by the deno CLI (a `deno compile`d binary would start itself again).
  if (new URL(import.meta.url).protocol !== "file:" || !/^deno(\.exe)?$/.test(basename(deno))) {
    return false;
  }
  if ((await Deno.permissions.query({ name: "run", command: deno })).state !== "granted") {
    return false;
  }
  const path = (url: URL) => decodeURIComponent(url.pathname);
  const r = await new Deno.Command(deno, {
    args: [
      "run",
      "-A",
      "--quiet",
      `--config=${path(new URL("../deno.json", import.meta.url))}`,
      path(new URL(import.meta.url)),
      INITDB_ARG,
      dataDir,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  const said = new TextDecoder().decode(r.stderr).trim().split("\n").filter(Boolean);
  if (!r.success) {
    throw new Error(`initdb failed (exit ${r.code}): ${said.pop() ?? "no message"}`);
  }
  for (const line of said) console.error(line);
  return true;
}

function basename(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** True when `dataDir` holds no database cluster yet (opening it runs initdb). */
export async function uninitialised(dataDir: string): Promise<boolean> {
  try {
    await Deno.stat(`${dataDir}/PG_VERSION`);
    return false;
  } catch {
    return true;
  }
}

/**
 * Runs a full garbage collection, for when a new cluster was made in this process after all:
 * initdb's throwaway instance, or the unpacking's buffers, are garbage once PGlite opened it,
 * but nothing makes V8 collect them while the process idles. `--expose-gc` set at run time shows
 * `gc` to new contexts only.
 */
export function collectGarbage(): void {
  try {
    v8.setFlagsFromString("--expose-gc");
    (vm.runInNewContext("gc") as () => void)();
  } catch {
    // Not offered by this runtime: the memory goes back at V8's next collection instead.
  }
}

// `deno run -A db/pglite_init.ts --warden-initdb DIR`: what `initdbApart` runs. Its log lines
// go to stderr, which the parent passes on.
if (import.meta.main && Deno.args[0] === INITDB_ARG && Deno.args[1]) {
  const log = createLogger({ write: (line) => console.error(line) });
  await (await openNew(Deno.args[1], log)).close();
}

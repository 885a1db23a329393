/**
 * The prebuilt cluster (db/cluster.tar.gz, made by `deno task cluster`): a new embedded data dir
 * is opened from it instead of running initdb, persists like any other, and fits the installed
 * PGlite; a tarball that does not fit falls back to initdb with the directory left as it was.
 */
import assert from "node:assert/strict";
import { PGlite } from "@electric-sql/pglite";
import { openDatabase } from "../db/connect.ts";
import { CLUSTER_TARBALL, openPrebuilt, pgliteOptions } from "../db/pglite_init.ts";
import { createLogger } from "../actors/log.ts";

const REBUILD = "db/cluster.tar.gz does not fit the installed PGlite: run `deno task cluster`";

async function gunzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The files of a tar (views into it), by name without the leading "/". */
function untar(tar: Uint8Array): Map<string, Uint8Array> {
  const text = (from: number, length: number) =>
    new TextDecoder().decode(tar.subarray(from, from + length)).replace(/\0.*$/s, "");
  const files = new Map<string, Uint8Array>();
  for (let at = 0; at + 512 <= tar.length && tar[at] !== 0;) {
    const prefix = text(at + 345, 155);
    const name = (prefix ? `${prefix}/` : "") + text(at, 100);
    const size = parseInt(text(at + 124, 12).trim() || "0", 8);
    if (text(at + 156, 1) === "0" || text(at + 156, 1) === "") {
      files.set(name.replace(/^[./]+/, ""), tar.subarray(at + 512, at + 512 + size));
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** The system identifier in a cluster's `global/pg_control` (its first 8 bytes, little-endian). */
function systemIdentifier(pgControl: Uint8Array): string {
  return new DataView(pgControl.buffer, pgControl.byteOffset).getBigUint64(0, true).toString();
}

function logSink() {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: "debug", write: (l) => lines.push(l) }) };
}

Deno.test("a new data dir is opened from the prebuilt cluster and keeps its data", async () => {
  const files = untar(await gunzip(await Deno.readFile(CLUSTER_TARBALL)));
  const dataDir = await Deno.makeTempDir({ prefix: "warden_cluster_" });
  const { lines, log } = logSink();
  try {
    let db = await openDatabase({ dataDir, log });
    try {
      const [row] = await db.sql`
        SELECT system_identifier::text AS id FROM pg_control_system()`;
      // The cluster is the tarball's (initdb would have made a new identifier).
      assert.equal(row.id, systemIdentifier(files.get("global/pg_control")!), REBUILD);
      assert.deepEqual(lines, []);
      await db.sql`CREATE TABLE kept (note text)`;
      await db.sql`INSERT INTO kept VALUES ('written before close')`;
    } finally {
      await db.close();
    }
    assert.ok((await Deno.stat(`${dataDir}/PG_VERSION`)).isFile, "cluster written into DATA_DIR");
    db = await openDatabase({ dataDir, log });
    try {
      const rows = await db.sql`SELECT note FROM kept`;
      assert.deepEqual(rows.map((r) => r.note), ["written before close"]);
    } finally {
      await db.close();
    }
    assert.deepEqual(lines, []);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("the prebuilt cluster's Postgres is the installed PGlite's", async () => {
  const bytes = await Deno.readFile(CLUSTER_TARBALL);
  const files = untar(await gunzip(bytes));
  const major = new TextDecoder().decode(files.get("PG_VERSION")).trim();
  let pglite: PGlite;
  try {
    const loadDataDir = new Blob([bytes], { type: "application/x-gzip" });
    pglite = await PGlite.create({ ...pgliteOptions(), loadDataDir });
  } catch (error) {
    throw new Error(`${REBUILD} (${error})`, { cause: error });
  }
  try {
    const [{ server_version_num }] = (await pglite.query<{ server_version_num: string }>(
      "SHOW server_version_num",
    )).rows;
    assert.equal(String(Math.floor(Number(server_version_num) / 10000)), major, REBUILD);
  } finally {
    await pglite.close();
  }
});

Deno.test("a prebuilt cluster that does not fit falls back, leaving the dir as it was", async () => {
  // The tarball with another major version in PG_VERSION: Postgres refuses to start on it.
  const tar = await gunzip(await Deno.readFile(CLUSTER_TARBALL));
  const version = untar(tar).get("PG_VERSION")!;
  const real = new TextDecoder().decode(version).trim();
  version.set(new TextEncoder().encode(String(Number(real) - 1).padStart(real.length, "0")));
  const dir = await Deno.makeTempDir({ prefix: "warden_cluster_" });
  const dataDir = `${dir}/data`;
  try {
    const broken = new Blob([tar]).stream().pipeThrough(new CompressionStream("gzip"));
    await Deno.writeFile(`${dir}/broken.tar.gz`, broken);
    await Deno.mkdir(dataDir);
    await Deno.writeTextFile(`${dataDir}/warden.lock`, "");
    const { lines, log } = logSink();
    const pglite = await openPrebuilt(dataDir, log, new URL(`file://${dir}/broken.tar.gz`));
    assert.equal(pglite, undefined);
    assert.deepEqual([...Deno.readDirSync(dataDir)].map((e) => e.name), ["warden.lock"]);
    assert.equal(lines.length, 1);
    assert.match(JSON.parse(lines[0]).msg, /does not fit this PGlite, running initdb instead/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the unpacking child killed mid-way: the dir still reads as new and the next open makes it whole", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "warden_cluster_" });
  const watcher = Deno.watchFs(dataDir, { recursive: true });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", "db/pglite_init.ts", "--warden-initdb", dataDir],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    // The first file it writes: it is unpacking now, so kill it there.
    for await (const event of watcher) if (event.kind === "create") break;
    child.kill("SIGKILL");
    await child.status;
    const left = [...Deno.readDirSync(dataDir)].map((e) => e.name);
    assert.ok(left.length > 0, "it had started writing");
    assert.ok(!left.includes("PG_VERSION"), "PG_VERSION comes last: the dir is not a cluster yet");
    const db = await openDatabase({ dataDir, log: logSink().log });
    try {
      const [row] = await db.sql`SELECT count(*)::int AS n FROM pg_database`;
      assert.ok(row.n >= 1);
    } finally {
      await db.close();
    }
  } finally {
    watcher.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

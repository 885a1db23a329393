/**
 * Migrated templates for the test databases of one `deno test` run. Making a database from
 * nothing is most of a small test's time: on PGlite the cluster is unpacked and started
 * (≈1.3 s) and then migrated (≈0.4 s); on a server `CREATE DATABASE` plus the migrations take
 * ≈0.5 s. So each run migrates once and copies: a cold PGlite data directory copied file by
 * file, or `CREATE DATABASE … TEMPLATE` on the server (≈0.05–0.2 s).
 *
 * Deno runs every test file of a run in one process (each in its own isolate), so the template
 * is named after the process and found again by the other files. A template is made under a
 * temporary name and renamed when complete, so a file never sees half of one; a run that ends
 * leaves its template behind, and the next run's first build removes those whose process is
 * gone.
 */
import postgres from "postgres";
import { openDatabase } from "../db/connect.ts";
import { migrate } from "../db/migrate.ts";

const PREFIX = "warden_tpl_";
/** Every isolate of a run sees the same environment: the run's nonce is kept there. */
const RUN_ENV = "WARDEN_TEST_TEMPLATE_RUN";

function runName(): string {
  let nonce = Deno.env.get(RUN_ENV);
  if (!nonce) {
    nonce = crypto.randomUUID().slice(0, 8);
    Deno.env.set(RUN_ENV, nonce);
  }
  return `${PREFIX}${Deno.pid}_${nonce}`;
}

/** The process of a template's name still runs (Linux's /proc; elsewhere: assume it does). */
function alive(name: string): boolean {
  const pid = Number(name.slice(PREFIX.length).split("_")[0]);
  if (!Number.isSafeInteger(pid) || pid === Deno.pid) return true;
  try {
    Deno.statSync("/proc/self");
  } catch {
    return true;
  }
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

function tempRoot(): string {
  return Deno.env.get("TMPDIR") || "/tmp";
}

/** Copies a cold data directory, leaving out Warden's own files (`warden.lock`, `warden.owner`). */
async function copyTree(from: string, to: string, top = true): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  const copies: Promise<void>[] = [];
  for await (const entry of Deno.readDir(from)) {
    if (top && entry.name.startsWith("warden.")) continue;
    const source = `${from}/${entry.name}`;
    const target = `${to}/${entry.name}`;
    copies.push(
      entry.isDirectory ? copyTree(source, target, false) : Deno.copyFile(source, target),
    );
  }
  await Promise.all(copies);
}

let embeddedTemplate: Promise<string> | undefined;

async function buildEmbedded(): Promise<string> {
  const root = tempRoot();
  const name = `${root}/${runName()}`;
  try {
    await Deno.stat(`${name}/PG_VERSION`);
    return name;
  } catch { /* not made yet by another file of this run */ }
  for await (const entry of Deno.readDir(root)) {
    if (entry.name.startsWith(PREFIX) && !alive(entry.name)) {
      await Deno.remove(`${root}/${entry.name}`, { recursive: true }).catch(() => {});
    }
  }
  const building = await Deno.makeTempDir({ prefix: `${runName()}.build.` });
  const db = await openDatabase({ dataDir: building });
  try {
    await migrate(db.sql);
  } finally {
    await db.close();
  }
  try {
    await Deno.rename(building, name);
  } catch {
    // another isolate of this run finished first: keep its template
    await Deno.remove(building, { recursive: true });
  }
  return name;
}

/** A fresh copy of this run's migrated PGlite data directory in `dataDir` (created). */
export async function copyEmbeddedTemplate(dataDir: string): Promise<void> {
  embeddedTemplate ??= buildEmbedded().catch((error) => {
    embeddedTemplate = undefined;
    throw error;
  });
  await copyTree(await embeddedTemplate, dataDir);
}

const serverTemplates = new Map<string, Promise<string>>();

/** `url` with its database replaced by `database`. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function loopback(url: string): boolean {
  return ["127.0.0.1", "localhost", "[::1]", ""].includes(new URL(url).hostname);
}

async function buildServer(admin: postgres.Sql, serverUrl: string): Promise<string> {
  const name = runName();
  const known = await admin<{ datname: string }[]>`
    SELECT datname FROM pg_database WHERE datname LIKE ${`${PREFIX}%`}`;
  if (known.some((d) => d.datname === name)) return name;
  // Only this host's processes can be checked for life: templates on a shared server stay.
  if (loopback(serverUrl)) {
    for (const { datname } of known) {
      if (alive(datname)) continue;
      await admin.unsafe(`DROP DATABASE IF EXISTS "${datname}"`).catch(() => {});
    }
  }
  const building = `${name}_b${crypto.randomUUID().slice(0, 6)}`;
  await admin.unsafe(`CREATE DATABASE "${building}"`);
  const db = await openDatabase({ url: withDatabase(serverUrl, building), max: 1 });
  try {
    await migrate(db.sql);
  } finally {
    await db.close();
  }
  try {
    await admin.unsafe(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
  } catch {
    await admin.unsafe(`DROP DATABASE IF EXISTS "${building}"`);
  }
  return name;
}

/** `CREATE DATABASE name` as a copy of this run's migrated template on the `admin` server. */
export async function createFromServerTemplate(
  admin: postgres.Sql,
  serverUrl: string,
  name: string,
): Promise<void> {
  let template = serverTemplates.get(serverUrl);
  if (!template) {
    template = buildServer(admin, serverUrl).catch((error) => {
      serverTemplates.delete(serverUrl);
      throw error;
    });
    serverTemplates.set(serverUrl, template);
  }
  await admin.unsafe(`CREATE DATABASE "${name}" TEMPLATE "${await template}"`);
}

/**
 * Builds `db/cluster.tar.gz`: a freshly initdb'd, empty database cluster (no application schema;
 * migrations still run at start), shut down cleanly and packed as a gzipped tar. A first start
 * unpacks it into the data dir (db/cluster_load.ts) instead of running initdb, which peaks at
 * ~600 MB by itself (see db/pglite_init.ts). Run it again whenever PGlite is upgraded:
 * `deno task cluster` (tests/pglite_cluster_test.ts fails while the tarball's Postgres does not
 * match PGlite's).
 */
import { PGlite } from "@electric-sql/pglite";
import { CLUSTER_TARBALL, pgliteOptions } from "./pglite_init.ts";

/**
 * Makes a new cluster with Warden's own PGlite options in a temp directory, shuts it down cleanly
 * (so a first start opens it without crash recovery, whose memory PGlite's WebAssembly heap would
 * keep), and returns the directory as a gzipped ustar archive, made by the system's `tar` (this
 * runs where the project is developed, not where Warden runs).
 */
export async function buildCluster(): Promise<Uint8Array> {
  const dir = await Deno.makeTempDir({ prefix: "warden-cluster-" });
  try {
    // A directory, like Warden's data dir (NodeFS), so initdb runs exactly as on a first start.
    const pglite = await PGlite.create(dir, pgliteOptions());
    await pglite.exec("CHECKPOINT");
    await pglite.close();
    const entries = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    const tar = await new Deno.Command("tar", {
      args: [
        "--format=ustar",
        "--owner=0",
        "--group=0",
        "--numeric-owner",
        "-czf",
        "-",
        "-C",
        dir,
        ...entries,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!tar.success) throw new Error(`tar failed: ${new TextDecoder().decode(tar.stderr)}`);
    return tar.stdout;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const HELP = `usage: deno task cluster
  rebuilds db/cluster.tar.gz, the empty cluster a first embedded start unpacks (after a PGlite
  upgrade; tests/pglite_cluster_test.ts says when)`;

if (import.meta.main) {
  if (Deno.args.length > 0) {
    const help = Deno.args.length === 1 && ["--help", "-h"].includes(Deno.args[0]);
    if (help) console.log(HELP);
    else console.error(`cluster: unexpected argument "${Deno.args[0]}" (--help for usage)`);
    Deno.exit(help ? 0 : 64); // never rewrite the tracked archive on a mistyped command
  }
  const bytes = await buildCluster();
  const path = decodeURIComponent(CLUSTER_TARBALL.pathname);
  await Deno.writeFile(path, bytes);
  console.log(`wrote ${path} (${(bytes.length / 1024 / 1024).toFixed(1)} MiB)`);
}

/**
 * One process owns an embedded data directory (PGlite cannot be shared between processes).
 * Ownership is an exclusive OS lock (`Deno.FsFile.tryLock`) on `warden.lock`, held for the
 * owner's lifetime: the kernel drops it when the process ends, however it ends, so there is
 * no stale owner to guess about (a restarted container often gets the same pid).
 *
 * A long-lived owner (a server) writes its socket `port` to `warden.owner` once it serves, and
 * other processes join it there. A short-lived owner (a CLI command) never shares: the others
 * wait for it to end.
 */

export type Ownership =
  | { kind: "owner"; publish(port: number): Promise<void>; release(): Promise<void> }
  | { kind: "join"; port: number };

const LOCK = "warden.lock";
const OWNER = "warden.owner";

async function answers(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

async function readOwner(path: string): Promise<{ pid?: number; port?: number }> {
  try {
    return JSON.parse(await Deno.readTextFile(path) || "{}");
  } catch {
    return {}; // not written yet, or being written: look again
  }
}

/**
 * Becomes the owner of `dataDir`, or finds the running owner to join. Waits (up to
 * `waitMs`) while another process holds the lock without serving (starting up, or a CLI
 * command that will end soon); then fails with one line naming that process.
 */
export async function claimDataDir(
  dataDir: string,
  options: { waitMs?: number } = {},
): Promise<Ownership> {
  const waitMs = options.waitMs ?? 30_000;
  const ownerPath = `${dataDir}/${OWNER}`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    const lock = await Deno.open(`${dataDir}/${LOCK}`, { read: true, write: true, create: true });
    if (await lock.tryLock(true)) {
      await Deno.writeTextFile(ownerPath, JSON.stringify({ pid: Deno.pid }));
      let released = false;
      return {
        kind: "owner",
        publish: (port) => Deno.writeTextFile(ownerPath, JSON.stringify({ pid: Deno.pid, port })),
        async release() {
          if (released) return;
          released = true;
          await Deno.remove(ownerPath).catch(() => {});
          lock.close(); // closing the descriptor drops the lock
        },
      };
    }
    lock.close();
    const owner = await readOwner(ownerPath);
    if (owner.port && (await answers(owner.port))) return { kind: "join", port: owner.port };
    if (Date.now() > deadline) {
      throw new Error(
        `Cannot open the embedded database in ${dataDir}: process ${
          owner.pid ?? "(unknown)"
        } holds it and does not share it (a command still running?); ` +
          `wait for it to end, or set DATABASE_URL to use a server`,
      );
    }
    await new Promise((r) => setTimeout(r, 100)); // the owner is starting up, or will end soon
  }
}

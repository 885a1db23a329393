/**
 * One process owns an embedded data directory (PGlite cannot be shared between processes).
 * The owner file `warden.owner` is created exclusively and holds `{ pid }`; a long-lived
 * owner (a server) adds its socket `port` once it serves, and other processes join it
 * there. A short-lived owner (a CLI command) never shares: the others wait for it to end.
 */

export type Ownership =
  | { kind: "owner"; publish(port: number): Promise<void>; release(): Promise<void> }
  | { kind: "join"; port: number };

const FILE = "warden.owner";

function alive(pid: number): boolean {
  if (pid === Deno.pid) return true;
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    // No /proc (not Linux) tells nothing; a failed connect decides below.
    return !existsSync("/proc/self");
  }
}

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function answers(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Becomes the owner of `dataDir`, or finds the running owner to join. Waits (up to
 * `waitMs`) while another process is starting up as the owner; a stale file left by a
 * dead process is taken over.
 */
export async function claimDataDir(
  dataDir: string,
  options: { waitMs?: number } = {},
): Promise<Ownership> {
  const waitMs = options.waitMs ?? 30_000;
  const path = `${dataDir}/${FILE}`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const file = await Deno.open(path, { createNew: true, write: true });
      await file.write(new TextEncoder().encode(JSON.stringify({ pid: Deno.pid })));
      file.close();
      return {
        kind: "owner",
        publish: (port) => Deno.writeTextFile(path, JSON.stringify({ pid: Deno.pid, port })),
        release: () => Deno.remove(path).catch(() => {}),
      };
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
    let owner: { pid?: number; port?: number } = {};
    try {
      owner = JSON.parse(await Deno.readTextFile(path) || "{}");
    } catch {
      // Being written, or removed meanwhile: look again.
    }
    if (owner.port && (await answers(owner.port))) return { kind: "join", port: owner.port };
    const stale = owner.pid !== undefined && !alive(owner.pid);
    if (stale || Date.now() > deadline) {
      if (!stale) {
        throw new Error(
          `Cannot open the embedded database in ${dataDir}: ${path} names process ${
            owner.pid ?? "(starting)"
          } ` +
            `which does not answer; remove the file if no Warden runs on this directory`,
        );
      }
      await Deno.remove(path).catch(() => {});
      continue;
    }
    await new Promise((r) => setTimeout(r, 100)); // the owner is starting up, or will end soon
  }
}

import assert from "node:assert/strict";
import { claimDataDir } from "../db/data_dir_owner.ts";

const OWNER_MODULE = new URL("../db/data_dir_owner.ts", import.meta.url).href;

/** Another process that owns `dir` (a CLI command, say) until it is killed. */
async function otherOwner(dir: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `const { claimDataDir } = await import(${JSON.stringify(OWNER_MODULE)});
       await claimDataDir(${JSON.stringify(dir)});
       console.log("owner");
       setInterval(() => {}, 60_000);`,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("owner")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the other owner ended early: ${seen}`);
    seen += value;
  }
  reader.releaseLock();
  return {
    pid: child.pid,
    async kill() {
      child.kill("SIGKILL");
      await child.status;
      await child.stdout.cancel().catch(() => {});
    },
  };
}

/** A fresh directory, removed when disposed. */
async function tempDir() {
  const path = await Deno.makeTempDir();
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/** Claims `dir` and expects to own it. */
async function own(dir: string, waitMs?: number) {
  const ownership = await claimDataDir(dir, { waitMs });
  assert.equal(ownership.kind, "owner");
  return ownership as Extract<typeof ownership, { kind: "owner" }>;
}

Deno.test("an owner file naming a live process (a restarted container's same pid) is not an owner: the lock is free, so it is taken", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/warden.owner`, JSON.stringify({ pid: Deno.pid }));
  await (await own(dir.path, 200)).release();
});

Deno.test("a process holding the lock keeps others out, named in one line; killed with -9, its lock is gone at once", async () => {
  await using dir = await tempDir();
  const other = await otherOwner(dir.path);
  try {
    await assert.rejects(
      claimDataDir(dir.path, { waitMs: 300 }),
      (error: Error) => {
        assert.match(error.message, new RegExp(`process ${other.pid} holds it`));
        assert.doesNotMatch(error.message, /\n/);
        return true;
      },
    );
  } finally {
    await other.kill();
  }
  // Its owner file is still there, naming a dead process; the lock went with it.
  assert.ok(await Deno.stat(`${dir.path}/warden.owner`));
  const ownership = await own(dir.path, 0);
  await ownership.release();
  await ownership.release(); // twice is harmless
});

Deno.test("two claims in one process: the second waits for the first's release, then owns", async () => {
  await using dir = await tempDir();
  const first = await own(dir.path);
  await assert.rejects(claimDataDir(dir.path, { waitMs: 0 }), /holds it/);
  await first.release();
  await (await own(dir.path, 0)).release();
});

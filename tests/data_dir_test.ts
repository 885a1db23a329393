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

Deno.test("an owner file naming a live process (a restarted container's same pid) is not an owner: the lock is free, so it is taken", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/warden.owner`, JSON.stringify({ pid: Deno.pid }));
    const ownership = await claimDataDir(dir, { waitMs: 200 });
    assert.equal(ownership.kind, "owner");
    if (ownership.kind === "owner") await ownership.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a process holding the lock keeps others out, named in one line; killed with -9, its lock is gone at once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const other = await otherOwner(dir);
    try {
      await assert.rejects(
        claimDataDir(dir, { waitMs: 300 }),
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
    assert.ok(await Deno.stat(`${dir}/warden.owner`));
    const ownership = await claimDataDir(dir, { waitMs: 0 });
    assert.equal(ownership.kind, "owner");
    if (ownership.kind === "owner") {
      await ownership.release();
      await ownership.release(); // twice is harmless
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two claims in one process: the second waits for the first's release, then owns", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await claimDataDir(dir);
    assert.equal(first.kind, "owner");
    await assert.rejects(claimDataDir(dir, { waitMs: 0 }), /holds it/);
    if (first.kind === "owner") await first.release();
    const second = await claimDataDir(dir, { waitMs: 0 });
    assert.equal(second.kind, "owner");
    if (second.kind === "owner") await second.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

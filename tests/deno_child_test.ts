import assert from "node:assert/strict";
import { denoChild, wardenLines } from "./fakes/deno_child.ts";
import { withDeadline } from "./fakes/deadline.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const NM = `${ROOT}node_modules/.deno`;

/**
 * Holds Deno's `node_modules` lock the way a live Deno process does (the lock, and a poll file
 * kept fresh), with the setup cache gone, so a Deno child started meanwhile must wait for it.
 */
async function holdNodeModulesLock() {
  const file = await Deno.open(`${NM}/.deno.lock`, { create: true, write: true });
  await file.lock(true);
  const touch = () => Deno.writeTextFileSync(`${NM}/.deno.lock.poll`, "");
  touch();
  const poll = setInterval(touch, 50);
  await Deno.remove(`${NM}/.setup-cache.bin`).catch(() => {});
  return {
    async [Symbol.asyncDispose]() {
      clearInterval(poll);
      await file.unlock();
      file.close();
    },
  };
}

Deno.test("a child that waited for Deno's node_modules lock still reads as Warden's one line", async () => {
  let stderr = "";
  // `deno task` without -q: with it, `deno task` itself waits on the lock without a word.
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "schedule", "61 * * * *"],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  });
  let running: Deno.ChildProcess | undefined;
  let rest: Promise<void>;
  try {
    {
      await using _lock = await holdNodeModulesLock();
      running = child.spawn();
      const lines = running.stderr.pipeThrough(new TextDecoderStream()).getReader();
      const readUntil = async (done: () => boolean) => {
        while (!done()) {
          const r = await lines.read();
          if (r.done) return;
          stderr += r.value;
        }
      };
      // Deno says it waits once it has waited a second; the lock goes once it has said so.
      const said = () => /Blocking waiting/.test(stderr);
      await withDeadline(readUntil(said), "Deno's lock notice", { lastSeen: () => stderr });
      rest = readUntil(() => false);
    }
    await withDeadline(rest!, "the child's end", { lastSeen: () => stderr });
    assert.equal((await running.status).code, 64);
  } finally {
    try {
      running?.kill();
    } catch { /* it has ended */ }
  }
  assert.match(stderr, /^Blocking waiting for file lock on node_modules directory$/m, "it waited");
  const mine = wardenLines(stderr.trim());
  assert.equal(mine.length, 1, mine.join("\n"));
  assert.match(mine[0], /^schedule: Cannot read cron "61 \* \* \* \*": field minute/);
});

Deno.test("denoChild drops only Deno's own lines", async () => {
  const r = await denoChild(["task", "schedule", "0 8 * * *", "--count", "0"]);
  assert.equal(r.code, 64);
  assert.equal(
    r.stderr,
    'schedule: --count expects a whole number from 1 to 1000, got "0" (--help for usage)',
  );
  assert.deepEqual(
    wardenLines(
      "\x1b[1m\x1b[32mTask\x1b[0m \x1b[36mstart\x1b[0m deno run main.ts\nWarning x\nBlocking waiting for file lock on node_modules directory\nok",
    ),
    ["Warning x", "ok"],
  );
});

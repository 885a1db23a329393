import assert from "node:assert/strict";
import postgres from "postgres";
import { LOCK_KEY } from "../db/migrate.ts";
import { until } from "./fakes/deadline.ts";
import { childDatabase, spawnWarden } from "./fakes/process.ts";

/** The start's stderr: Warden's own lines are JSON on stdout, so this is what the operator reads. */
async function failedStart(env: Record<string, string>) {
  // `spawnWarden` drops the line `deno task` starts with ("Task start …", not Warden's).
  await using warden = spawnWarden(["task", "start"], { LOG_LEVEL: "warn", NO_COLOR: "1", ...env });
  const status = await warden.exited();
  const text = warden.lines.filter((l) => l.trim());
  const plain = text.filter((l) => !l.startsWith("{"));
  return { code: status.code, plain, logged: text.filter((l) => l.startsWith("{")) };
}

function assertOneLine(plain: string[], pattern: RegExp) {
  assert.equal(plain.length, 1, `one line, not:\n${plain.join("\n")}`);
  assert.match(plain[0], pattern);
  assert.doesNotMatch(plain[0], /\bat (file|ext):|Uncaught/);
}

async function tempDir() {
  const parent = await Deno.makeTempDir({ prefix: "warden-s-" });
  return {
    parent,
    async [Symbol.asyncDispose]() {
      await Deno.remove(parent, { recursive: true });
    },
  };
}

Deno.test("a port in use stops the start with one line, before the database is opened or migrated", async () => {
  await using dir = await tempDir();
  using listener = Deno.listen({ port: 0, hostname: "0.0.0.0" });
  const port = (listener.addr as Deno.NetAddr).port;
  const dataDir = `${dir.parent}/data`;
  const r = await failedStart({ PORT: String(port), DATA_DIR: dataDir, DATABASE_URL: "" });
  assert.equal(r.code, 1);
  assertOneLine(r.plain, new RegExp(`^warden: cannot start: port ${port} is in use .*set PORT$`));
  await assert.rejects(Deno.stat(dataDir), Deno.errors.NotFound, "nothing was opened");
});

Deno.test("a DATA_DIR that cannot hold the database (a file, or under one) is named in one line", async () => {
  await using dir = await tempDir();
  const file = `${dir.parent}/plain-file`;
  await Deno.writeTextFile(file, "not a directory");
  for (const dataDir of [file, `${file}/data`]) {
    const r = await failedStart({ DATA_DIR: dataDir, DATABASE_URL: "" });
    assert.equal(r.code, 1, dataDir);
    assertOneLine(
      r.plain,
      new RegExp(`^warden: cannot start: DATA_DIR="${dataDir}" cannot hold the database: `),
    );
  }
  assert.equal(await Deno.readTextFile(file), "not a directory", "nothing stored is lost");
});

Deno.test("a database server that does not answer is retried with backoff for DATABASE_WAIT_SECONDS, then one line", async () => {
  // A port nobody listens on: take one, then let it go.
  const free = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const port = (free.addr as Deno.NetAddr).port;
  free.close();
  const url = `postgres://warden:hunter2@127.0.0.1:${port}/warden`;
  const r = await failedStart({ DATABASE_URL: url, DATABASE_WAIT_SECONDS: "1" });
  assert.equal(r.code, 1);
  assertOneLine(
    r.plain,
    new RegExp(
      `^warden: cannot start: cannot reach the database at postgres://warden:\\*+@127\\.0\\.0\\.1:${port}/warden after 1 s: `,
    ),
  );
  const retries = r.logged.map((l) => JSON.parse(l)).filter((l) =>
    l.msg === "the database does not answer yet: retrying"
  );
  assert.ok(retries.length >= 1, "it retried before giving up");
  assert.equal(retries[0].delayMs, 500);
  assert.ok(!r.plain.concat(r.logged).some((l) => l.includes("hunter2")), "no password shown");
});

Deno.test({
  name:
    "a database that does not exist on the server fails at once, in one line saying how to make it",
  ignore: !Deno.env.get("DATABASE_URL"),
  async fn() {
    const url = new URL(Deno.env.get("DATABASE_URL")!);
    url.pathname = "/warden_missing_db";
    const r = await failedStart({ DATABASE_URL: url.toString(), DATABASE_WAIT_SECONDS: "600" });
    assert.equal(r.code, 1);
    assertOneLine(
      r.plain,
      /^warden: cannot start: database "warden_missing_db" does not exist on .*createdb warden_missing_db/,
    );
  },
});

Deno.test("SIGTERM while the start waits for its database: exit 0, said in the log (it was 143, silent)", async () => {
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  closed.close(); // nothing answers there
  await using warden = spawnWarden(["run", "-A", "main.ts"], {
    DATABASE_URL: `postgres://warden@127.0.0.1:${closed.addr.port}/warden`,
    DATABASE_WAIT_SECONDS: "600",
  });
  await warden.waitFor(
    (l) => l.msg === "the database does not answer yet: retrying",
    "its first retry",
  );
  warden.kill("SIGTERM");
  assert.equal((await warden.exited()).code, 0);
  const stop = await warden.waitFor(
    (l) => l.msg === "shutting down before the start finished",
    "the stop said",
  );
  assert.equal(stop.signal, "SIGTERM");
});

Deno.test({
  name: "SIGTERM while the start migrates: the migration ends, then exit 0 with nothing started",
  ignore: !Deno.env.get("DATABASE_URL"), // the migration lock is a server's (a no-op embedded)
  async fn() {
    await using db = await childDatabase();
    // Another starter holds the migration lock: this one waits inside `migrate`.
    const holder = postgres(db.env.DATABASE_URL, { max: 2, onnotice: () => {} }); // one reserved
    const lock = await holder.reserve();
    await lock.unsafe(`SELECT pg_advisory_lock(${LOCK_KEY})`);
    await using warden = spawnWarden(["run", "-A", "main.ts"], db.env);
    await until("the start waiting for the migration lock", async () => {
      const [w] = await holder`
        SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`;
      return w.n > 0;
    }, { lastSeen: () => warden.lines.slice(-5).join("\n") });
    warden.kill("SIGTERM");
    await warden.waitFor((l) => l.msg === "database open", "the database opened");
    await lock.unsafe(`SELECT pg_advisory_unlock(${LOCK_KEY})`);
    lock.release();
    await holder.end();
    assert.equal((await warden.exited()).code, 0);
    await warden.waitFor(
      (l) => l.msg === "shutting down before the start finished",
      "the stop after the migration",
    );
    assert.ok(!warden.lines.some((l) => l.includes('"msg":"started"')), "nothing started");
  },
});

import assert from "node:assert/strict";
import { denoChild } from "./fakes/deno_child.ts";
import { childDatabase, spawnWarden } from "./fakes/process.ts";

Deno.test("SIGTERM: readiness answers 503 at once, the running job sees its signal abort, exit 0", async () => {
  await using db = await childDatabase();
  await using warden = spawnWarden(["run", "-A", "tests/fixtures/slow_start.ts"], {
    ...db.env,
    SHUTDOWN_TIMEOUT_MS: "1000",
  });
  await warden.waitFor((l) => l.msg === "slow job started", "the slow job started");
  assert.equal((await warden.get("/health/readiness")).status, 200);
  warden.kill("SIGTERM");
  await warden.waitFor((l) => l.msg === "shutting down", "shutdown began");
  const during = await warden.get("/health/readiness");
  assert.equal(during.status, 503);
  assert.deepEqual(during.body.reasons, ["shutting down"]);
  const saw = await warden.waitFor(
    (l) => l.msg === "slow job saw its signal abort",
    "the job saw its abort",
  );
  assert.match(String(saw.reason), /shutdown: still running after 1000 ms/);
  const status = await warden.status;
  assert.equal(status.code, 0, warden.lines.join("\n"));
  await warden.waitFor((l) => l.msg === "stopped", "it said it stopped");
});

Deno.test("deno task start: the real Deno.cron wiring runs a job, and SIGTERM stops it cleanly", async () => {
  await using db = await childDatabase();
  await using warden = spawnWarden(["task", "start"], {
    ...db.env,
    // The test offset fires the cron every 300 ms; a tick names the slot within 35 s of it,
    // which a per-minute schedule always has.
    JOB_LEASE_RESCUE_SCHEDULE: "* * * * *",
    DENO_CRON_TEST_SCHEDULE_OFFSET: "300",
  });
  const run = await warden.waitFor(
    (l) => l.msg === "run finished" && l.job === "lease-rescue",
    "a cron run of lease-rescue",
  );
  assert.equal(run.trigger, "cron");
  assert.equal(run.outcome, "succeeded");
  const task = await warden.get("/health/tasks/lease-rescue");
  assert.equal(task.body.schedule, "* * * * *");
  assert.equal(task.body.lastRun.trigger, "cron");
  warden.kill("SIGTERM");
  assert.equal((await warden.status).code, 0, warden.lines.join("\n"));
});

/** Runs `deno task <args>` to the end; returns its exit code and output. */
function task(args: string[], env: Record<string, string>) {
  return denoChild(["task", "-q", ...args], { env });
}

Deno.test("deno task start with no DATABASE_URL creates DATA_DIR; run history survives a restart", async () => {
  await using db = await childDatabase();
  const cron = { JOB_LEASE_RESCUE_SCHEDULE: "* * * * *", DENO_CRON_TEST_SCHEDULE_OFFSET: "300" };
  let firstRun: string;
  {
    await using first = spawnWarden(["task", "start"], { ...db.env, ...cron });
    const run = await first.waitFor(
      (l) => l.msg === "run finished" && l.job === "lease-rescue",
      "a run",
    );
    firstRun = String(run.run);
    first.kill("SIGTERM");
    assert.equal((await first.status).code, 0);
  }
  if (db.env.DATA_DIR) {
    assert.ok((await Deno.stat(db.env.DATA_DIR)).isDirectory, "DATA_DIR was created");
  }

  await using second = spawnWarden(["task", "start"], db.env);
  await second.waitFor((l) => l.msg === "started", "the second start");
  // The CLI reads the history while the server runs (on the embedded database it joins the server's socket).
  const history = await task(["jobs", "history", "lease-rescue", "--json"], db.env);
  assert.equal(history.code, 0, history.stderr);
  const runs = JSON.parse(history.stdout);
  assert.deepEqual(Object.keys(runs[0]), [
    "id",
    "job",
    "scheduledFor",
    "trigger",
    "node",
    "outcome",
    "startedAt",
    "finishedAt",
    "durationMs",
    "result",
    "error",
  ]);
  const run = runs.find((r: { id: string }) => r.id === firstRun);
  assert.equal(run?.outcome, "succeeded");
  assert.equal(run?.trigger, "cron");
  const starts = runs.map((r: { startedAt: string }) => r.startedAt);
  assert.deepEqual(starts, [...starts].sort().reverse(), "newest first");
  second.kill("SIGTERM");
  assert.equal((await second.status).code, 0);
});

Deno.test("two deno task migrate at once: both succeed, each migration applied once", async () => {
  await using db = await childDatabase();
  const [one, two] = await Promise.all([task(["migrate"], db.env), task(["migrate"], db.env)]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(two.code, 0, two.stderr);
  const outputs = [one.stdout, two.stdout].sort();
  const files = [...Deno.readDirSync(new URL("../db/migrations", import.meta.url))].filter((f) =>
    f.name.endsWith(".sql")
  );
  // One of them applied everything; the other waited for the lock and found it done.
  assert.match(outputs.join("\n"), new RegExp(`applied ${files.length} migration\\(s\\)`));
  assert.match(outputs.join("\n"), new RegExp(`up to date \\(${files.length} applied before\\)`));
  const again = await task(["migrate", "--json"], db.env);
  assert.deepEqual(JSON.parse(again.stdout), { applied: [], alreadyApplied: files.length });
  if (db.env.DATABASE_URL) {
    const { default: postgres } = await import("postgres");
    const sql = postgres(db.env.DATABASE_URL, { max: 1, onnotice: () => {} });
    const [row] =
      await sql`SELECT count(*)::int AS n, count(DISTINCT version)::int AS d FROM schema_migrations`;
    await sql.end();
    assert.deepEqual([row.n, row.d], [files.length, files.length], "each migration recorded once");
  }
});

Deno.test("three deno task start on one database, a per-minute cron: each slot run by one, lost by the other two", async () => {
  await using db = await childDatabase();
  const env = {
    ...db.env,
    JOB_LEASE_RESCUE_SCHEDULE: "* * * * *",
    DENO_CRON_TEST_SCHEDULE_OFFSET: "1000",
  };
  const replicas = [];
  for (const node of ["r1", "r2", "r3"]) {
    const w = spawnWarden(["task", "start"], { ...env, NODE_ID: node });
    replicas.push(w);
    await w.waitFor((l) => l.msg === "started", `${node} started`);
  }
  // Every tick names its slot, so each replica says of each slot it tried either that it ran it
  // or that it lost the claim. Wait, wherever they ran, until two slots have heard from all
  // three replicas: a real per-minute cron, so a few minutes, past the helpers' default deadline.
  const said = new Map<string, Map<string, "ran" | "lost">>();
  const heardFromAll = () => [...said.values()].filter((by) => by.size === replicas.length);
  try {
    await Promise.race(replicas.map((w, i) =>
      w.waitFor(
        (l) => {
          const ran = l.msg === "run finished" && l.job === "lease-rescue" && l.trigger === "cron";
          const lost = String(l.msg).startsWith("lost the claim") && l.job === "lease-rescue";
          if (ran || lost) {
            const by = said.get(String(l.slot)) ?? new Map();
            by.set(`r${i + 1}`, ran ? "ran" : "lost");
            said.set(String(l.slot), by);
          }
          return heardFromAll().length >= 2;
        },
        "two slots tried by all three replicas",
        { deadlineMs: 6 * 60_000 },
      )
    ));
  } finally {
    for (const w of [...replicas].reverse()) {
      w.kill("SIGTERM");
      assert.equal((await w.status).code, 0, w.lines.slice(-20).join("\n"));
    }
  }
  for (const by of heardFromAll()) {
    assert.deepEqual([...by.values()].sort(), ["lost", "lost", "ran"], "one ran, two lost");
  }
  const history = await task(
    ["jobs", "history", "lease-rescue", "--json", "--limit", "1000"],
    db.env,
  );
  assert.equal(history.code, 0, history.stderr);
  const cronRuns = JSON.parse(history.stdout).filter((r: { trigger: string }) =>
    r.trigger === "cron"
  );
  const perSlot = new Map<string, number>();
  for (const r of cronRuns) perSlot.set(r.scheduledFor, (perSlot.get(r.scheduledFor) ?? 0) + 1);
  assert.ok(perSlot.size >= 2);
  assert.deepEqual([...perSlot.values()].filter((n) => n !== 1), [], "every slot ran exactly once");
});

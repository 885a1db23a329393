import assert from "node:assert/strict";

const BENCH = new URL("../bench/bench.ts", import.meta.url).pathname;

async function bench(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", BENCH, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

// A smoke run at a tiny size: the figures mean nothing here, only that every phase runs to
// the end and reports what the README says it does (the real run is `deno task bench`).
Deno.test("deno task bench runs every phase and prints a line per job (tiny sizes)", async () => {
  const r = await bench([
    "--members",
    "2000",
    "--board-members",
    "500",
    "--naive-sample",
    "200",
    "--rows",
    "50",
    "--retention-rows",
    "300",
    "--case-participants",
    "400",
    "--case-arguments",
    "40",
    "--dashboard-jobs",
    "4",
    "--dashboard-runs",
    "60",
    ...["--ingest-updates", "200", "--ingest-concurrency", "4", "--ingest-members", "40"],
    ...["--ingest-chats", "2", "--history-members", "300", "--history-small", "600"],
    ...["--history-large", "1200", "--footprint-members", "300", "--footprint-idle-s", "1"],
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.job), [
    "level-ups",
    "leaderboard-recalc",
    "badge-check",
    "outbox-delivery",
    "retention-cleanup",
    "case-closure",
    "dashboard",
    "ingest",
    "board-history",
    "footprint",
  ]);
  for (const line of lines.slice(0, 3)) {
    for (const key of ["warden_per_s", "naive_per_s", "bound_per_s", "vs_naive", "vs_bound"]) {
      assert.ok(line[key] > 0, `${line.job}: ${key} = ${line[key]}`);
    }
    assert.ok(line.peak_rss_mb > 0);
  }
  assert.equal(lines[0].members, 2000);
  assert.equal(lines[0].concurrency, 2);
  assert.ok(lines[0].due > 0, "the seeded members owe level-ups");
  assert.ok(lines[2].awarded > 0, "badges were awarded (the same number as the bound's)");
  assert.equal(lines[3].rows, 50);
  assert.equal(lines[4].rows, 300, "retention-cleanup deleted exactly what the bare DELETE did");
  for (const key of ["warden_per_s", "bound_per_s", "vs_bound", "longest_lock_ms"]) {
    assert.ok(lines[4][key] >= 0, `retention-cleanup: ${key} = ${lines[4][key]}`);
  }
  // 400 participants, all paid (the bench's pool is 1,000,000 XP): 133 voters picked the verdict,
  // 3 top arguments
  assert.deepEqual([lines[5].participants, lines[5].arguments, lines[5].rewards], [400, 40, 536]);
  assert.ok(lines[5].warden_per_s > 0 && lines[5].bound_per_s > 0);
  assert.deepEqual([lines[6].jobs, lines[6].runs_per_job], [4, 60]);
  assert.ok(lines[6].page_ms_p50 > 0 && lines[6].tasks_ms_p50 > 0 && lines[6].vs_tasks > 0);
  assert.deepEqual([lines[7].updates, lines[7].concurrency], [200, 4]);
  assert.ok(
    lines[7].updates_per_s > 0 && lines[7].bound_updates_per_s > 0 && lines[7].vs_bound > 0,
  );
  // CPU per update, from /proc (Linux): this process, and the server's processes when local.
  assert.ok(lines[7].cpu_us > 0 && lines[7].bound_cpu_us > 0 && lines[7].cpu_vs_bound > 0);
  // Split into this process's and the server's (0 when the database is in this process).
  for (
    const [all, app, db] of [["cpu_us", "app_cpu_us", "db_cpu_us"], [
      "bound_cpu_us",
      "bound_app_cpu_us",
      "bound_db_cpu_us",
    ]]
  ) {
    assert.ok(lines[7][app] > 0 && lines[7][db] >= 0, `${app} and ${db}`);
    assert.ok(Math.abs(lines[7][app] + lines[7][db] - lines[7][all]) <= 1, `${app} + ${db}`);
  }
  assert.deepEqual([lines[8].members, lines[8].ledger_small, lines[8].ledger_large], [
    300,
    600,
    1200,
  ]);
  assert.ok(lines[8].ratio > 0);
  assert.ok(lines[9].embedded.ready_mb > 0 && lines[9].embedded.idle_30s_mb > 0);
  assert.equal(lines[9].server === null, !Deno.env.get("DATABASE_URL"));
});

Deno.test("deno task bench names a bad option in one line and exits 64, as every command does", async () => {
  const [r, unknown, extra] = await Promise.all([
    bench(["--members", "many"]),
    bench(["--fast"]),
    bench(["extra"]),
  ]);
  assert.match(r.stderr, /^bench: --members expects a positive whole number, got "many"/);
  assert.match(unknown.stderr, /^bench: unknown option --fast; expected --members N/);
  assert.match(extra.stderr, /^bench: unexpected argument "extra"/);
  for (const x of [r, unknown, extra]) {
    assert.equal(x.code, 64, x.stderr);
    assert.equal(x.stderr.trimEnd().split("\n").length, 1, x.stderr);
  }
});

Deno.test("the footprint phase starts Warden as `deno task start` does: its variables, then deno's arguments", async () => {
  const { startTask } = await import("../bench/footprint.ts");
  assert.deepEqual(startTask("A=1 B_2=x=y deno run -A main.ts"), {
    env: { A: "1", B_2: "x=y" },
    args: ["run", "-A", "main.ts"],
  });
  const deno = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const start = startTask(deno.tasks.start);
  assert.deepEqual(start.args, [
    "run",
    "-A",
    "--no-code-cache",
    "--v8-flags=--liftoff-only",
    "main.ts",
  ]);
  assert.equal(start.env.MALLOC_MMAP_THRESHOLD_, "131072", "see actors/process_memory.ts");
  assert.throws(() => startTask("FOO=1 node main.js"), /not deno/);
});

Deno.test("the ingest phase's CPU meter counts this process's work and a local server's", async () => {
  const { cpuMeter, cpuSeconds } = await import("../bench/measure.ts");
  assert.ok((cpuSeconds() ?? 0) > 0, "this process has used some CPU already");
  const meter = cpuMeter()!;
  // Work until the meter moves a few ticks (a busy loop: CPU, not a wait), with a safety net.
  const deadline = Date.now() + 20_000;
  let x = 0;
  while (meter() < 0.05 && Date.now() < deadline) {
    for (let i = 0; i < 1e6; i++) x += i % 7;
  }
  assert.ok(meter() >= 0.05, `the meter did not move (${x})`);

  // A server on this host: its backend's work counts too (beyond this process's own).
  const url = Deno.env.get("DATABASE_URL");
  if (!url || !["127.0.0.1", "localhost"].includes(new URL(url).hostname)) return;
  const { default: postgres } = await import("postgres");
  const { cpuUsage } = await import("node:process");
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    const [server0, own0] = [cpuMeter()!, cpuUsage()];
    await sql`SELECT count(*) FROM generate_series(1, 5000000) g WHERE g % 7 = 3`;
    const own = cpuUsage(own0);
    const server = server0() - (own.user + own.system) / 1e6;
    assert.ok(server >= 0.05, `the server's backend did not count: ${server.toFixed(3)} s`);
  } finally {
    await sql.end();
  }
});

import assert from "node:assert/strict";
import { cli } from "../cli.ts";
import { openDatabase } from "../db/connect.ts";
import { defaultWaitMs } from "./fakes/deadline.ts";
import { denoChild } from "./fakes/deno_child.ts";
import { childDatabase, spawnWarden } from "./fakes/process.ts";

/** `deno task -q <args>` in a child process. */
function task(args: string[], env: Record<string, string>) {
  return denoChild(["task", "-q", ...args], { env });
}

Deno.test("every jobs verb through a child process, with --json and with bad input", async (t) => {
  await using db = await childDatabase();
  const env = db.env;
  await t.step("migrate", async () => {
    const r = await task(["migrate", "--json"], env);
    assert.equal(r.code, 0, r.stderr);
    const files = [...Deno.readDirSync(new URL("../db/migrations", import.meta.url))]
      .map((f) => f.name).filter((n) => n.endsWith(".sql")).sort();
    assert.deepEqual(JSON.parse(r.stdout).applied, files);
  });
  await t.step("jobs list", async () => {
    const r = await task(["jobs", "list", "--json"], env);
    assert.equal(r.code, 0, r.stderr);
    const jobs = JSON.parse(r.stdout);
    assert.ok(jobs.some((j: { name: string }) => j.name === "lease-rescue"));
    const text = (await task(["jobs", "list"], env)).stdout;
    assert.match(text, /^lease-rescue\s+every 30s\s+UTC\s+next \d{4}-\d\d-\d\dT[\d:]+Z {2}Marks/m);
    assert.match(text, /^streak-expiry\s+0 0 \* \* \*\s+UTC\s+next \d{4}-\d\d-\d\dT00:00:00Z {2}/m);
  });
  let runId = "";
  await t.step("jobs run --wait", async () => {
    const r = await task(["jobs", "run", "lease-rescue", "--wait", "--json"], env);
    assert.equal(r.code, 0, r.stderr);
    const run = JSON.parse(r.stdout);
    assert.equal(run.outcome, "succeeded");
    assert.equal(run.trigger, "manual");
    assert.deepEqual(run.result, {
      processed: 0,
      changed: 0,
      details: { runs: [], cancelledBackends: 0 },
    });
    runId = run.id;
    const plain = await task(["jobs", "run", "lease-rescue"], env);
    assert.match(plain.stdout, /^ran lease-rescue: run [0-9a-f-]{36} succeeded$/);
  });
  await t.step("jobs history", async () => {
    const r = await task(["jobs", "history", "lease-rescue", "--json", "--limit", "5"], env);
    assert.equal(r.code, 0, r.stderr);
    const runs = JSON.parse(r.stdout);
    assert.equal(runs.length, 2);
    assert.equal(runs[1].id, runId, "newest first");
    assert.match(
      (await task(["jobs", "history", "lease-rescue"], env)).stdout,
      /succeeded\s+manual/,
    );
  });
  await t.step("jobs pause, status, resume", async () => {
    assert.deepEqual(
      JSON.parse((await task(["jobs", "pause", "lease-rescue", "--json"], env)).stdout),
      {
        job: "lease-rescue",
        paused: true,
      },
    );
    const status = JSON.parse(
      (await task(["jobs", "status", "lease-rescue", "--json"], env)).stdout,
    );
    assert.equal(status.paused, true);
    assert.equal(status.nextRunAt, null);
    assert.equal(status.lastRun.outcome, "succeeded");
    assert.equal(status.consecutiveFailures, 0);
    const resumed = await task(["jobs", "resume", "lease-rescue"], env);
    assert.match(resumed.stdout, /^resumed lease-rescue/);
    const all = JSON.parse((await task(["jobs", "status", "--json"], env)).stdout);
    assert.ok(Array.isArray(all) && all.every((s: { paused: boolean }) => !s.paused));
  });
  await t.step("bad input: a one-line reason, the usage, non-zero", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["jobs", "run", "lvl-ups"], /^unknown job "lvl-ups": known jobs are lease-rescue/],
      [["jobs", "history"], /^jobs history: missing job name/],
      [["jobs", "frob"], /^unknown jobs verb "frob"/],
      [["jobs"], /^missing jobs verb/],
      [
        ["jobs", "history", "lease-rescue", "--limit", "lots"],
        /^--limit expects a whole number from 1 to 10000, got "lots"/,
      ],
      [["jobs", "list", "--verbose"], /^jobs list: unknown option --verbose; expected --json/],
      [["jobs", "pause", "lease-rescue", "extra"], /^jobs pause: unexpected argument "extra"/],
      [["migrate", "now"], /^migrate: unexpected argument "now"/],
    ];
    for (const [args, message] of cases) {
      const r = await task(args, env);
      assert.notEqual(r.code, 0, args.join(" "));
      assert.match(r.stderr, message);
    }
  });
});

Deno.test("an invalid environment stops the start with exit code 2, naming every bad variable", async () => {
  await using db = await childDatabase();
  await using warden = spawnWarden(["task", "start"], {
    ...db.env,
    PORT: "abc",
    JOB_LEVEL_UPS_SCHEDULE: "61 * * * *",
    LOG_FORMAT: "yaml",
  });
  const status = await warden.status;
  assert.equal(status.code, 2);
  const text = warden.lines.join("\n");
  assert.match(text, /PORT="abc": expected a whole number/);
  assert.match(text, /JOB_LEVEL_UPS_SCHEDULE="61 \* \* \* \*": .*field minute "61" is invalid/);
  assert.match(text, /LOG_FORMAT="yaml"/);
  if (db.env.DATA_DIR) {
    await assert.rejects(Deno.stat(db.env.DATA_DIR), Deno.errors.NotFound, "nothing was opened");
  }
});

Deno.test("--help on every command and verb: usage and a one-line description, exit 0", async () => {
  const verbs = [
    [],
    ["jobs"],
    ["migrate"],
    ["seed"],
    ["jobs", "list"],
    ["jobs", "status"],
    ["jobs", "run"],
    ["jobs", "pause"],
    ["jobs", "resume"],
    ["jobs", "history"],
    ["jobs", "incidents"],
    ["jobs", "close-incident"],
    ["jobs", "next"],
    ["schedule"],
  ];
  for (const verb of verbs) {
    for (const flag of ["--help", "-h"]) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await cli([...verb, flag], {}, (l) => out.push(l), (l) => err.push(l));
      const text = out.join("\n");
      assert.equal(code, 0, `${verb.join(" ")} ${flag}: ${err.join("\n")}`);
      assert.match(text, /^usage:/, `${verb.join(" ")} ${flag}`);
      assert.ok(text.includes(`deno task ${verb.join(" ")}`.trim()), text);
      assert.ok(text.split("\n").length >= 2, `a description: ${text}`);
      assert.equal(err.length, 0);
    }
  }
  const help: string[] = [];
  await cli(["--help"], {}, (l) => help.push(l));
  for (const v of ["migrate", "seed", "jobs run", "jobs history", "schedule", "telegram"]) {
    assert.match(help.join("\n"), new RegExp(`deno task ${v}`), v);
  }
});

Deno.test("values the parser must refuse: one line naming the option, exit 64, nothing run", async () => {
  const cases: Array<[string[], RegExp]> = [
    [["jobs", "run", "lease-rescue", "--wait=maybe"], /^jobs run: --wait takes no value/],
    [["jobs", "run", "lease-rescue", "--wait=true"], /^jobs run: --wait takes no value/],
    [["jobs", "list", "--json=1"], /^jobs list: --json takes no value/],
    [["jobs", "history", "lease-rescue", "--limit", "1e3"], /^--limit expects .* got "1e3"/],
    [["jobs", "history", "lease-rescue", "--limit", "0x10"], /^--limit expects .* got "0x10"/],
    [["jobs", "history", "lease-rescue", "--limit", " 7"], /^--limit expects .* got " 7"/],
    [["jobs", "history", "lease-rescue", "--limit=+7"], /^--limit expects .* got "\+7"/],
    [["jobs", "history", "lease-rescue", "--limit", "0"], /^--limit expects .* got "0"/],
    [["jobs", "history", "lease-rescue", "--limit"], /^jobs history: --limit needs a value/],
    [["seed", "--members", "1e3"], /^--members expects .* got "1e3"/],
    [["seed", "--members", "1000.0"], /^--members expects .* got "1000.0"/],
    [["seed", "--chats", "-1"], /^--chats expects .* got "-1"/],
    [["seed", "--wait"], /^seed: unknown option --wait; expected --json, --members, --chats/],
  ];
  for (const [args, message] of cases) {
    const err: string[] = [];
    const code = await cli(args, { DATA_DIR: "/nonexistent/never" }, () => {}, (l) => err.push(l));
    assert.equal(code, 64, args.join(" "));
    assert.match(err.join("\n"), message, args.join(" "));
  }
});

Deno.test("jobs run exits 1 when the run failed, with or without --wait; migrate says it once", async () => {
  await using db = await childDatabase();
  const env = db.env;
  const first = await task(["migrate"], env);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout.split("\n").length, 1, first.stdout);
  assert.match(first.stdout, /^applied \d+ migration\(s\): 0001_/);
  const again = await task(["migrate"], env);
  assert.equal(again.stdout, `up to date (${first.stdout.split(",").length} applied before)`);
  assert.equal((await task(["seed", "--members", "50"], env)).code, 0);
  // life-regen cannot give lives back: every update of a life fails
  const url = env.DATABASE_URL;
  const opened = await openDatabase(url ? { url } : { dataDir: env.DATA_DIR });
  await opened.sql.unsafe(`
    CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'lives are read-only today'; END $$;
    CREATE TRIGGER refuse BEFORE UPDATE ON lives FOR EACH ROW EXECUTE FUNCTION refuse();`);
  await opened.close();
  for (const wait of [[], ["--wait"], ["--json"]]) {
    const r = await task(["jobs", "run", "life-regen", ...wait], env);
    assert.equal(r.code, 1, `${wait.join(" ")}: ${r.stdout} ${r.stderr}`);
    assert.match(r.stdout, /failed/);
    // the outcome on stdout, the error itself on stderr (in the JSON line with --json)
    if (wait[0] === "--json") assert.match(r.stdout, /lives are read-only/);
    else assert.match(r.stderr, /^error: .*lives are read-only/m);
  }
  const ok = await task(["jobs", "run", "lease-rescue"], env);
  assert.equal(ok.code, 0, ok.stderr);
});

Deno.test("start and cluster read their arguments: --help prints usage and does nothing else; anything else is 64", async () => {
  const archive = new URL("../db/cluster.tar.gz", import.meta.url);
  const before = await Deno.readFile(archive);
  const [startHelp, startBad, clusterHelp, clusterBad] = await Promise.all([
    // A start that ignored its arguments would serve until killed: the deadline kills it (exit ≠ 0).
    denoChild(["task", "-q", "start", "--help"], { signal: AbortSignal.timeout(defaultWaitMs) }),
    denoChild(["task", "-q", "start", "--port", "9000"], {
      signal: AbortSignal.timeout(defaultWaitMs),
    }),
    denoChild(["task", "-q", "cluster", "--help"]),
    denoChild(["task", "-q", "cluster", "now"]),
  ]);
  for (const [r, name] of [[startHelp, "start"], [clusterHelp, "cluster"]] as const) {
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^usage: deno task ${name}\n`));
  }
  assert.equal(startBad.code, 64);
  assert.equal(
    startBad.stderr,
    'start: unexpected argument "--port"; expected none or --help (--help for usage)',
  );
  assert.equal(clusterBad.code, 64);
  assert.match(clusterBad.stderr, /^cluster: unexpected argument "now"/);
  assert.deepEqual(await Deno.readFile(archive), before, "the tracked cluster archive untouched");
});

/**
 * The `footprint` phase: Warden's resident memory as an operator meets it. It starts the command
 * of `deno task start` (deno.json: its variables, then `deno run -A main.ts`, run directly so the
 * measured process is Warden, not a task runner) as a child process (a fresh temp `DATA_DIR`,
 * `PORT=0`), samples the child's RSS from `/proc/<pid>/status` (`VmRSS`; `VmHWM` for the peak)
 * until `/health/readiness` answers 200, then after 30 s idle, then after `members` are seeded and
 * `level-ups` has run through the CLI (which joins the running Warden's embedded database over its
 * socket, see db/data_dir_owner.ts, so the database's work is done in the measured process), and
 * stops it with SIGTERM. Embedded PGlite always; the server too when `DATABASE_URL` is set (in a
 * fresh database on that server, dropped afterwards). Linux only (`/proc`).
 *
 * Run alone: `deno run -A bench/footprint.ts [--members N] [--json]`.
 */
import postgres from "postgres";

/** One variant's figures, in MiB; times in seconds. */
export interface Footprint {
  /**
   * The first start's peak, up to the end of the 30 s idle: the larger of Warden's `VmHWM` and
   * the highest sum of `VmRSS` over Warden and its child processes (sampled every 20 ms), so an
   * initdb run in a child process counts.
   */
  first_start_peak_mb: number;
  /** Warden's own `VmHWM` at the same point (its children not counted). */
  warden_hwm_mb: number;
  /** `VmRSS` when `/health/readiness` first answers 200. */
  ready_mb: number;
  /** `VmRSS` 30 s after ready, nothing asked of it. */
  idle_30s_mb: number;
  /** `VmRSS` once the seed and a `level-ups` run on `members` members are done. */
  after_level_ups_mb: number;
  /** `VmHWM` at the end, seeding and level-ups included. */
  peak_mb: number;
  ready_s: number;
  seed_s: number;
  level_ups_s: number;
}

export interface FootprintLine {
  job: "footprint";
  members: number;
  embedded: Footprint;
  server: Footprint | null;
}

const DENO = Deno.execPath();
const ROOT = new URL("..", import.meta.url).pathname;

/** `deno task start` split: its leading `NAME=value` variables and the arguments of `deno`. */
export function startTask(task: string): { env: Record<string, string>; args: string[] } {
  const words = task.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_][A-Z0-9_]*=/.test(words[0] ?? "")) {
    const [name, ...value] = words.shift()!.split("=");
    env[name] = value.join("=");
  }
  if (words.shift() !== "deno") throw new Error(`footprint: the start task is not deno: ${task}`);
  return { env, args: words };
}
const START = startTask(
  JSON.parse(Deno.readTextFileSync(new URL("../deno.json", import.meta.url))).tasks.start,
);
const IDLE_MS = 30_000;

/** `VmRSS` and `VmHWM` of `pid`, in MiB (0 once the process is gone). */
export async function procMemory(pid: number): Promise<{ rss: number; hwm: number }> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const kb = (key: string) =>
      Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"))?.[1] ?? 0); // 0: a zombie
    return { rss: Math.round(kb("VmRSS") / 1024), hwm: Math.round(kb("VmHWM") / 1024) };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/** The process `pid` and its descendants (Linux: `/proc/<pid>/task/<tid>/children`). */
async function tree(pid: number): Promise<number[]> {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    try {
      for await (const task of Deno.readDir(`/proc/${all[i]}/task`)) {
        const text = await Deno.readTextFile(`/proc/${all[i]}/task/${task.name}/children`);
        all.push(...text.split(" ").filter(Boolean).map(Number));
      }
    } catch { /* ended meanwhile */ }
  }
  return all;
}

/** Samples the summed `VmRSS` of `pid`'s process tree every 20 ms; `peak()` is the highest. */
function treeSampler(pid: number) {
  let peak = 0;
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const sizes = await Promise.all(
        (await tree(pid)).map(async (p) => (await procMemory(p)).rss),
      );
      peak = Math.max(peak, sizes.reduce((a, b) => a + b, 0));
    } finally {
      busy = false;
    }
  }, 20);
  return { peak: () => peak, stop: () => clearInterval(timer) };
}

/** A CLI command against the same database (`env`); fails with its output if it fails. */
async function cli(args: string[], env: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const r = await new Deno.Command(DENO, {
    args: ["run", "-A", "cli.ts", ...args],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - t0) / 1000;
  if (!r.success) {
    const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
    throw new Error(`footprint: cli ${args.join(" ")} failed (${r.code}):\n${text.slice(-2000)}`);
  }
  return seconds;
}

/** Starts Warden on `env`, measures it as described above, stops it. */
async function measure(
  env: Record<string, string>,
  members: number,
  idleMs: number,
): Promise<Footprint> {
  const child = new Deno.Command(DENO, {
    args: START.args,
    cwd: ROOT,
    env: { ...env, ...START.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const t0 = performance.now();
  const sampler = treeSampler(child.pid);
  const lines: string[] = [];
  let port: number | undefined;
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (lines.length > 200) lines.shift();
        if (port === undefined && line.includes('"listening"')) {
          try {
            port = JSON.parse(line).port;
          } catch { /* not a log line */ }
        }
      }
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let exited = false;
  const status = pumps.then(() => child.status).finally(() => (exited = true));
  const fail = (what: string) =>
    new Error(`footprint: ${what}; last output:\n${lines.slice(-20).join("\n")}`);
  try {
    // Ready: /health/readiness answers 200.
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (exited) throw fail("Warden ended before it was ready");
      if (Date.now() > deadline) throw fail("Warden was not ready within 180 s");
      if (port !== undefined) {
        const ok = await fetch(`http://127.0.0.1:${port}/health/readiness`)
          .then(async (r) => (await r.body?.cancel(), r.status === 200))
          .catch(() => false);
        if (ok) break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const ready_s = (performance.now() - t0) / 1000;
    const ready = await procMemory(child.pid);
    await new Promise((r) => setTimeout(r, idleMs));
    const idle = await procMemory(child.pid);
    const treePeak = sampler.peak();
    sampler.stop();
    if (exited) throw fail("Warden ended while idle");
    // Seed and level-ups through the CLI, against the running Warden's database.
    const seed_s = await cli(["seed", "--members", String(members), "--json"], env);
    const level_ups_s = await cli(["jobs", "run", "level-ups", "--wait", "--json"], env);
    const after = await procMemory(child.pid);
    if (exited) throw fail("Warden ended during the level-ups");
    return {
      first_start_peak_mb: Math.max(idle.hwm, treePeak),
      warden_hwm_mb: idle.hwm,
      ready_mb: ready.rss,
      idle_30s_mb: idle.rss,
      after_level_ups_mb: after.rss,
      peak_mb: after.hwm,
      ready_s: +ready_s.toFixed(2),
      seed_s: +seed_s.toFixed(2),
      level_ups_s: +level_ups_s.toFixed(2),
    };
  } finally {
    sampler.stop();
    if (!exited) child.kill("SIGTERM");
    const killer = setTimeout(() => {
      if (!exited) child.kill("SIGKILL");
    }, 30_000);
    await status;
    clearTimeout(killer);
  }
}

/** Environment of a measured Warden and its CLI commands: this one, with the database's. */
function wardenEnv(db: { url?: string; dataDir: string }): Record<string, string> {
  return {
    ...Deno.env.toObject(),
    DATABASE_URL: db.url ?? "",
    DATA_DIR: db.dataDir,
    PORT: "0",
    LOG_FORMAT: "json",
    LOG_LEVEL: "info",
  };
}

/**
 * Measures embedded PGlite (always) and the `DATABASE_URL` server (when set). `members` is
 * how many the seed adds before `level-ups` (default 100,000).
 */
export async function footprintBench(
  o: { members: number; idleMs?: number } = { members: 100_000 },
): Promise<FootprintLine> {
  const members = o.members ?? 100_000;
  const idleMs = o.idleMs ?? IDLE_MS;
  const dir = await Deno.makeTempDir({ prefix: "warden-footprint-" });
  let embedded: Footprint;
  try {
    embedded = await measure(wardenEnv({ dataDir: `${dir}/data` }), members, idleMs);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  let server: Footprint | null = null;
  const serverUrl = Deno.env.get("DATABASE_URL");
  if (serverUrl) {
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    const name = `warden_footprint_${crypto.randomUUID().slice(0, 8)}`;
    const other = await Deno.makeTempDir({ prefix: "warden-footprint-" });
    try {
      await admin.unsafe(`CREATE DATABASE "${name}"`);
      const url = new URL(serverUrl);
      url.pathname = `/${name}`;
      server = await measure(
        wardenEnv({ url: url.toString(), dataDir: other }),
        members,
        idleMs,
      );
    } finally {
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
      await admin.end();
      await Deno.remove(other, { recursive: true }).catch(() => {});
    }
  }
  return { job: "footprint", members, embedded, server };
}

function line(variant: string, f: Footprint): string {
  return `footprint ${variant} ` +
    Object.entries(f).map(([k, v]) => `${k}=${v}`).join(" ");
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--members");
  const members = at >= 0 ? Number(Deno.args[at + 1]) : 100_000;
  if (!Number.isSafeInteger(members) || members < 1) {
    console.error("usage: deno run -A bench/footprint.ts [--members N] [--json]");
    Deno.exit(2);
  }
  const r = await footprintBench({ members });
  if (Deno.args.includes("--json")) console.log(JSON.stringify(r));
  else {
    console.log(line("embedded", r.embedded));
    if (r.server) console.log(line("server", r.server));
  }
}

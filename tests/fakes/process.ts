import { type DeadlineOptions, withDeadline } from "./deadline.ts";
import { isDenoOwn } from "./deno_child.ts";

/**
 * A Warden process started by a test: its log lines (without Deno's own, such as `deno task`
 * naming the task), its port, and its exit.
 */
export interface WardenProcess {
  readonly lines: string[];
  /**
   * Resolves with the first log line (parsed JSON) that matches; fails if the process ends
   * first, or once the deadline (60 s by default) passes, naming `what` and the last lines.
   */
  waitFor(
    match: (line: Record<string, unknown>) => boolean,
    what: string,
    options?: DeadlineOptions,
  ): Promise<Record<string, unknown>>;
  port(): Promise<number>;
  /** Resolves with the exit status, or fails once the deadline passes (the process lives on). */
  exited(options?: DeadlineOptions): Promise<Deno.CommandStatus>;
  // deno-lint-ignore no-explicit-any -- test helper: bodies are checked field by field
  get(path: string, init?: RequestInit): Promise<{ status: number; body: any }>;
  kill(signal?: Deno.Signal): void;
  readonly status: Promise<Deno.CommandStatus>;
  [Symbol.asyncDispose](): Promise<void>;
}

const DENO = Deno.execPath();
const ROOT = new URL("../..", import.meta.url).pathname;

/** Starts `deno <args>` in the project folder with `env` on top of a clean one. */
export function spawnWarden(args: string[], env: Record<string, string>): WardenProcess {
  const child = new Deno.Command(DENO, {
    args,
    cwd: ROOT,
    env: { LOG_FORMAT: "json", LOG_LEVEL: "debug", PORT: "0", ...env },
    clearEnv: false,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let ended = false;
  async function pump(stream: ReadableStream<Uint8Array>) {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      lines.push(...parts.filter((l) => !isDenoOwn(l)));
      for (const w of waiters.splice(0)) w();
    }
    if (rest && !isDenoOwn(rest)) lines.push(rest);
  }
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const status = pumps.then(() => child.status).finally(() => {
    ended = true;
    for (const w of waiters.splice(0)) w();
  });

  function parsed(line: string): Record<string, unknown> | null {
    try {
      const v = JSON.parse(line);
      return v && typeof v === "object" ? v : null;
    } catch {
      return null;
    }
  }
  const lastLines = () => lines.slice(-20).join("\n");
  const proc: WardenProcess = {
    lines,
    waitFor(match, what, options) {
      let stopped = false;
      async function scan() {
        let seen = 0;
        while (!stopped) {
          for (; seen < lines.length; seen++) {
            const p = parsed(lines[seen]);
            if (p && match(p)) return p;
          }
          if (ended) throw new Error(`process ended before ${what}; output:\n${lines.join("\n")}`);
          await new Promise<void>((r) => waiters.push(r));
        }
        throw new Error(`gave up waiting for ${what}`);
      }
      return withDeadline(scan(), `${what} (a log line of deno ${args.join(" ")})`, {
        ...options,
        lastSeen: lastLines,
      }).finally(() => (stopped = true));
    },
    exited(options) {
      return withDeadline(status, `deno ${args.join(" ")} to exit`, {
        ...options,
        lastSeen: lastLines,
      });
    },
    async port() {
      const line = await proc.waitFor((l) => l.msg === "listening", "it listened");
      return Number(line.port);
    },
    async get(path, init) {
      const res = await fetch(`http://127.0.0.1:${await proc.port()}${path}`, init);
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    kill(signal = "SIGTERM") {
      if (!ended) child.kill(signal);
    },
    status,
    async [Symbol.asyncDispose]() {
      proc.kill("SIGKILL");
      await status;
    },
  };
  return proc;
}

/**
 * Where a child Warden keeps its data: a fresh database on the `DATABASE_URL` server, or a
 * fresh (not yet existing) embedded data directory. Dispose to drop it.
 */
export async function childDatabase(): Promise<
  { env: Record<string, string>; [Symbol.asyncDispose](): Promise<void> }
> {
  const server = Deno.env.get("DATABASE_URL");
  if (server) {
    const { default: postgres } = await import("postgres");
    const admin = postgres(server, { max: 1, onnotice: () => {} });
    const name = `warden_p_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    await admin.unsafe(`CREATE DATABASE "${name}"`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    return {
      env: { DATABASE_URL: url.toString() },
      async [Symbol.asyncDispose]() {
        await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end();
      },
    };
  }
  const parent = await Deno.makeTempDir({ prefix: "warden-p-" });
  return {
    env: { DATA_DIR: `${parent}/data`, DATABASE_URL: "" },
    async [Symbol.asyncDispose]() {
      await Deno.remove(parent, { recursive: true });
    },
  };
}

const ROOT = new URL("../..", import.meta.url).pathname;

/**
 * Lines Deno itself writes to a child's stderr, which are not Warden's: `deno task` naming the
 * task, and the notice of a process that has waited over a second for the `node_modules` lock
 * other Deno processes hold (CI printed it when nine children started at once on a busy machine).
 */
const DENO_OWN = /^(Task \S+ |Blocking waiting for file lock on )/;

// deno-lint-ignore no-control-regex -- the escape that starts a colour
const COLOUR = /\x1b\[[0-9;]*m/g;

/** Whether `line` is Deno's own, not the child's, coloured or not. */
export function isDenoOwn(line: string): boolean {
  return DENO_OWN.test(line.replace(COLOUR, ""));
}

/** `text`'s lines without Deno's own. */
export function wardenLines(text: string): string[] {
  return text.split("\n").filter((l) => !isDenoOwn(l));
}

/** What a clean child needs from this environment to find Deno and its cache; nothing else. */
function kept(): Record<string, string> {
  return Object.fromEntries(
    ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME"].flatMap((k) => {
      const v = Deno.env.get(k);
      return v === undefined ? [] : [[k, v]];
    }),
  );
}

export interface ChildOptions {
  /** On top of this process's environment, or with `clean` on top of only what finds Deno. */
  env?: Record<string, string>;
  clean?: boolean;
  /** The project folder unless given. */
  cwd?: string;
  /** Kills the child when it aborts (a deadline for a child that should have ended at once). */
  signal?: AbortSignal;
}

/**
 * `deno <args>` to its end, with `NO_COLOR` and `LOG_LEVEL=warn` unless `env` says otherwise:
 * its exit code, its stdout, and its stderr without Deno's own lines, both trimmed.
 */
export async function denoChild(args: string[], options: ChildOptions = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: options.cwd ?? ROOT,
    env: { ...(options.clean ? kept() : {}), NO_COLOR: "1", LOG_LEVEL: "warn", ...options.env },
    clearEnv: options.clean ?? false,
    stdin: "null",
    signal: options.signal,
  }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout).trim(),
    stderr: wardenLines(dec.decode(out.stderr)).join("\n").trim(),
  };
}

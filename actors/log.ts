/** A structured logger: one line per event, JSON or pretty, with inherited fields. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every line. */
  child(fields: Record<string, unknown>): Logger;
}

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface LoggerOptions {
  level?: LogLevel;
  format?: "json" | "pretty";
  /** Where lines go (default: stderr). Tests pass an array's push. */
  write?: (line: string) => void;
  now?: () => Date;
  /** Applied to every finished line: the start hides its secrets (`scrubSecrets`) with it. */
  redact?: (line: string) => string;
}

/** Makes a logger. `createLogger({ level: "info", format: "json" }).child({ job: "level-ups" })` */
export function createLogger(
  options: LoggerOptions = {},
  base: Record<string, unknown> = {},
): Logger {
  const level = options.level ?? "info";
  const format = options.format ?? "json";
  const now = options.now ?? (() => new Date());
  const encoder = new TextEncoder();
  const sink = options.write ??
    ((line: string) => Deno.stderr.writeSync(encoder.encode(line + "\n")));
  const redact = options.redact;
  const write = redact ? (line: string) => sink(redact(line)) : sink;

  function emit(lvl: LogLevel, msg: string, fields?: Record<string, unknown>) {
    if (RANK[lvl] < RANK[level]) return;
    const all = { ...base, ...fields };
    for (const [k, v] of Object.entries(all)) if (v instanceof Error) all[k] = describeError(v);
    if (format === "json") {
      write(JSON.stringify({ time: now().toISOString(), level: lvl, msg, ...all }));
    } else {
      const extra = Object.entries(all).map(([k, v]) =>
        `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`
      );
      write(
        `${now().toISOString()} ${lvl.toUpperCase().padEnd(5)} ${msg}${
          extra.length ? " " + extra.join(" ") : ""
        }`,
      );
    }
  }
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = createLogger({ level: "silent" });

/** `name: message` of any thrown value, for logs and stored errors. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

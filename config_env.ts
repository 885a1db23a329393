/**
 * The configuration's dealings with the environment as text: where values come from (`.env`),
 * how a value may be shown in a problem line or a log (secrets hidden, URL passwords blanked),
 * and the nearest name for a misspelt one.
 */
import { parseEnv } from "node:util";
import { redactUrl } from "./db/connect.ts";

/** Variables whose values are never printed: shown as their length only. */
const SECRETS = new Set([
  "ADMIN_TOKEN",
  "TELEGRAM_BOT_TOKEN",
  "TELEGRAM_WEBHOOK_SECRET",
  "CASE_PROVIDER_API_KEY",
  "EVM_PRIVATE_KEY",
]);
/** Variables holding URLs, printed with any password blanked. */
const URLS = new Set(["DATABASE_URL", "TELEGRAM_API_ROOT", "TELEGRAM_WEBHOOK_URL"]);

/** A variable's value as a problem line may show it: secrets hidden, URL passwords blanked. */
export function showValue(key: string, value: string): string {
  if (SECRETS.has(key) || /TOKEN|SECRET|PASSWORD|_KEY$/.test(key)) {
    return `(hidden, ${value.length} characters)`;
  }
  if (URLS.has(key) || /_URL$/.test(key)) return JSON.stringify(redactUrl(value));
  return JSON.stringify(value);
}

/** `text` with every secret value of `env` (and every URL password) replaced by `***`. */
export function scrubSecrets(text: string, env: Record<string, string | undefined>): string {
  const hidden: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (!value) continue;
    if (SECRETS.has(key) || /TOKEN|SECRET|PASSWORD|_KEY$/.test(key)) hidden.push(value);
    else if (URLS.has(key) || /_URL$/.test(key)) {
      const password = urlPassword(value);
      if (password) hidden.push(password, decodeURIComponentSafe(password));
    }
  }
  for (const secret of hidden.filter((h) => h.length >= 3).sort((a, b) => b.length - a.length)) {
    text = text.replaceAll(secret, "***");
  }
  return text;
}

function urlPassword(url: string): string | undefined {
  return /^[a-z][a-z0-9+.-]*:\/\/[^:/@]*:([^@]*)@/i.exec(url)?.[1] || undefined;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * `env` over the variables of `.env` in the working directory (the environment wins, as with
 * Deno's `--env-file`); without the file, `env` as it is (no warning, unlike `--env-file`).
 */
export function withDotEnv(
  env: Record<string, string | undefined> = Deno.env.toObject(),
  path = ".env",
): Record<string, string | undefined> {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return env;
    throw error;
  }
  return { ...parseEnv(text), ...env };
}

/** The candidate nearest `word` by edit distance, if within `max` edits. */
export function closest<T extends string>(word: string, candidates: readonly T[], max: number) {
  let best: T | undefined;
  let bestDistance = max + 1;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

import assert from "node:assert/strict";
import { parseEnv } from "node:util";
import { loadSetup } from "../catalog.ts";
import { denoChild } from "./fakes/deno_child.ts";
import { VARIABLES, withDotEnv } from "../config.ts";

const ROOT = new URL("..", import.meta.url);

/** `deno run -A <ROOT>/<script> …args` in `cwd`, with `env` over a clean environment. */
function run(script: string, args: string[], cwd: string, env: Record<string, string>) {
  const path = new URL(script, ROOT).pathname;
  return denoChild(["run", "-A", path, ...args], { cwd, env, clean: true });
}

Deno.test("withDotEnv: .env under the environment, which wins; no file, no change", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/.env`;
  assert.deepEqual(withDotEnv({ PORT: "1" }, path), { PORT: "1" }, "no file");
  await Deno.writeTextFile(path, 'PORT=9090\nLOG_LEVEL=debug # chatty\nADMIN_USER_IDS="1, 2"\n');
  assert.deepEqual(withDotEnv({ PORT: "1" }, path), {
    PORT: "1",
    LOG_LEVEL: "debug",
    ADMIN_USER_IDS: "1, 2",
  });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the CLI and the start read .env in the working directory; the environment wins", async () => {
  const dir = await Deno.makeTempDir();
  const none = await run("cli.ts", ["jobs", "list"], dir, {});
  assert.equal(none.code, 0, none.stderr);
  assert.equal(none.stderr, "", "no .env: no warning");
  await Deno.writeTextFile(
    `${dir}/.env`,
    "JOB_LEVEL_UPS_SCHEDULE=every 7m\nJOB_BADGE_CHECK_SCHEDULE=every 11m\n",
  );
  const list = await run("cli.ts", ["jobs", "list"], dir, {
    JOB_BADGE_CHECK_SCHEDULE: "every 13m",
  });
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^level-ups\s+every 7m/m, "read from .env");
  assert.match(list.stdout, /^badge-check\s+every 13m/m, "the environment wins");
  await Deno.writeTextFile(`${dir}/.env`, "PORT=eighty\nADMIN_TOKEN=short secret\n");
  const start = await run("main.ts", [], dir, { DATA_DIR: `${dir}/data` });
  assert.equal(start.code, 2, start.stderr);
  assert.match(start.stderr, /PORT="eighty": expected a whole number/);
  assert.match(start.stderr, /ADMIN_TOKEN=\(hidden, 12 characters\)/);
  assert.ok(!start.stderr.includes("short secret"));
  await assert.rejects(Deno.stat(`${dir}/data`), Deno.errors.NotFound, "nothing was opened");
  await Deno.remove(dir, { recursive: true });
});

Deno.test(".env.example lists every variable, and its values, uncommented, are a valid config", async () => {
  const text = await Deno.readTextFile(new URL(".env.example", ROOT));
  const listed = new Set([...text.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
  assert.deepEqual(VARIABLES.filter((v) => !listed.has(v)), [], "missing from .env.example");
  for (const suffix of ["SCHEDULE", "TIMEZONE", "ENABLED"]) {
    assert.match(text, new RegExp(`JOB_<NAME>_${suffix}`));
  }
  const examples = parseEnv(
    text.split("\n").filter((l) => /^# [A-Z_]+=/.test(l)).map((l) => l.slice(2)).join("\n"),
  );
  assert.ok(Object.keys(examples).length >= VARIABLES.length);
  assert.ok(loadSetup(examples), "the examples load");
});

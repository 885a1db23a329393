/**
 * One concept per file, split past ~300 lines (shared/STYLE.md): no TypeScript file of the
 * project, tests and their fakes included, is longer than 300 lines.
 */
import assert from "node:assert/strict";

const ROOT = new URL("..", import.meta.url).pathname;
const MAX_LINES = 300;
/** Not the project's own source: dependencies, data, the CI's tools, scratch space. */
const SKIPPED = new Set(["node_modules", "data", ".git", ".ci", ".scratch"]);

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}${entry.name}`;
    if (entry.isDirectory && !SKIPPED.has(entry.name)) yield* sourceFiles(`${path}/`);
    else if (entry.isFile && /\.tsx?$/.test(entry.name)) yield path;
  }
}

Deno.test(`no TypeScript file is longer than ${MAX_LINES} lines`, async () => {
  const long: string[] = [];
  for await (const path of sourceFiles(ROOT)) {
    const text = await Deno.readTextFile(path);
    const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    if (lines > MAX_LINES) long.push(`${path.slice(ROOT.length)}: ${lines} lines`);
  }
  assert.deepEqual(long, [], `split these past ${MAX_LINES} lines by concern`);
});

import assert from "node:assert/strict";
import { status } from "../cli_jobs.ts";
import type { Database } from "../db/connect.ts";
import { testDatabase } from "./db.ts";
import { ready, serveApp } from "./fakes/http.ts";
import { dbRuntime, gate, job, tickAndSettle } from "./fakes/runtime.ts";

const at = (h: number) => new Date(Date.UTC(2026, 4, 1, h));

Deno.test("while replica A runs a slot, `jobs status` says what replica B's /health/tasks says: the last finished run, stale or not", async () => {
  await using db = await testDatabase();
  const g = gate();
  let first = true;
  const spec = job({
    name: "hourly",
    schedule: "0 * * * *",
    run: (ctx) => first ? (first = false, Promise.resolve({ processed: 1 })) : g.run(ctx),
  });
  await using a = dbRuntime(db.url, [spec], { node: "a" });
  a.runtime.start();
  const done = await tickAndSettle(a.runtime, "hourly", at(1));
  assert.equal(done.type === "run-finished" && done.run.outcome, "succeeded");
  // The next slot runs on A and goes on; B answers meanwhile.
  const ctx = await (a.runtime.tick("hourly", at(2)), g.entered());
  using _open = { [Symbol.dispose]: () => g.release() };
  await using b = dbRuntime(db.url, [spec], { node: "b" });
  b.runtime.start();
  await using http = serveApp(b.runtime, ready(b.clock));
  const task = (await http.get("/health/tasks/hourly")).body;

  const lines: string[] = [];
  const code = await status({ sql: db.sql } as unknown as Database, [spec], {
    json: true,
    one: true,
  }, { out: (l) => lines.push(l) });
  assert.equal(code, 0);
  const cli = JSON.parse(lines[0]);
  assert.notEqual(ctx.runId, task.lastRun.runId, "the HTTP lastRun is the finished one");
  assert.deepEqual(
    { lastRun: cli.lastRun?.id, outcome: cli.lastRun?.outcome, stale: cli.stale },
    { lastRun: task.lastRun.runId, outcome: task.lastRun.outcome, stale: task.stale },
    "the CLI and /health/tasks give one picture",
  );
});

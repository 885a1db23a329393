import assert from "node:assert/strict";
import { testDatabase } from "./db.ts";
import { dbRuntime, job, tickAndSettle } from "./fakes/runtime.ts";

const at = (h: number) => new Date(Date.UTC(2026, 4, 1, h));

Deno.test("a run that changed nothing logs at debug; one that changed something, or failed, is told with what it changed", async () => {
  await using db = await testDatabase();
  let changed = 0;
  const spec = job({
    name: "sweeper",
    run: () => changed < 0 ? Promise.reject(new Error("boom")) : Promise.resolve({ changed }),
    retry: { attempts: 1 },
  });
  await using r = dbRuntime(db.url, [spec], { node: "n" });
  r.runtime.start();
  await tickAndSettle(r.runtime, "sweeper", at(1));
  changed = 3;
  await tickAndSettle(r.runtime, "sweeper", at(2));
  changed = -1;
  await tickAndSettle(r.runtime, "sweeper", at(3));
  const finished = r.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === "run finished");
  assert.deepEqual(
    finished.map((l) => [l.level, l.outcome, l.changed]),
    [["debug", "succeeded", 0], ["info", "succeeded", 3], ["warn", "failed", undefined]],
  );
});

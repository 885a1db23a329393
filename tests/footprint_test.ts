import assert from "node:assert/strict";
import { collectStartGarbage } from "../actors/process_memory.ts";
import { openDatabase } from "../db/connect.ts";
import { EMBEDDED_SETTINGS } from "../db/pglite_init.ts";
import { childDatabase, spawnWarden } from "./fakes/process.ts";

Deno.test("main.ts's static import graph leaves out the tools only tests and the bench use", async () => {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.ok(r.success, "deno info main.ts");
  const info = JSON.parse(new TextDecoder().decode(r.stdout)) as {
    modules: { specifier: string }[];
  };
  const loaded = info.modules.map((m) => m.specifier);
  for (const name of ["playwright-core", "ganache", "axe-core"]) {
    assert.ok(!loaded.some((s) => s.includes(`/${name}@`)), `${name} is not loaded by main.ts`);
  }
});

Deno.test("the embedded database runs with the small-memory settings, a new one and a reopened one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "warden-footprint-" });
  try {
    for (const round of ["new", "reopened"]) {
      const db = await openDatabase({ dataDir: dir });
      try {
        for (const setting of EMBEDDED_SETTINGS) {
          const [name, value] = setting.split("=");
          const [row] = await db.sql`SELECT current_setting(${name}) AS value`;
          assert.equal(row.value, value, `${round}: ${name}`);
        }
        await db.sql`CREATE TABLE IF NOT EXISTS kept (n int)`;
        await db.sql`INSERT INTO kept VALUES (1)`;
        const [{ n }] = await db.sql`SELECT count(*) AS n FROM kept`;
        assert.equal(n, round === "new" ? 1 : 2, `${round}: the cluster is the same one`);
      } finally {
        await db.close();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a start reads no locale data until a text needs it (≈5 MB of resident memory)", async () => {
  await using db = await childDatabase();
  await using warden = spawnWarden(
    ["run", "-A", "--preload", "tests/fixtures/intl_spy.ts", "main.ts"],
    { ...db.env, DASHBOARD_PUBLIC_READS: "true" },
  );
  const localeUse = () =>
    warden.lines.filter((l) => l.includes('"locale data used"')).map((l) => JSON.parse(l));
  await warden.waitFor((l) => l.msg === "started", "Warden started");
  assert.equal((await warden.get("/health/readiness")).status, 200);
  const metrics = await fetch(`http://127.0.0.1:${await warden.port()}/metrics`);
  assert.equal(metrics.status, 200);
  await metrics.body?.cancel();
  assert.deepEqual(localeUse(), [], "start-up, readiness and /metrics read no locale data");
  // The spy sees it: the dashboard's jobs page formats its figures.
  const page = await fetch(`http://127.0.0.1:${await warden.port()}/`);
  assert.equal(page.status, 200);
  await page.body?.cancel();
  await warden.waitFor((l) => l.msg === "locale data used", "the dashboard to use Intl");
});

Deno.test("after start, one full collection gives back what start-up left behind", async () => {
  // Garbage that lives long enough to reach V8's old space (only a full collection frees it).
  let held: string[][] = Array.from(
    { length: 200 },
    (_, i) => Array.from({ length: 2_000 }, (_, k) => `start-up garbage ${i}:${k}`),
  );
  const full = Deno.memoryUsage().heapUsed;
  held = [];
  await collectStartGarbage();
  const after = Deno.memoryUsage().heapUsed;
  assert.equal(held.length, 0);
  assert.ok(after < full - 10 * 2 ** 20, `heap ${full} → ${after} bytes: collected`);
});

/**
 * The dashboard's incidents: a case's incident (`verdict-check:case-7`,
 * `settlement-monitor:case-7`) links to its job's page, which lists it; an incident an operator
 * closed says who and why.
 */
import assert from "node:assert/strict";
import { createLogger } from "../actors/log.ts";
import { createRegistry } from "../actors/metrics.ts";
import { createApp } from "../routes/app.ts";
import { runtimeMetrics } from "../routes/metrics.ts";
import { createReadiness } from "../routes/readiness.ts";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";
import { serve } from "./fakes/http.ts";
import { dbRuntime, job } from "./fakes/runtime.ts";

Deno.test("dashboard: a case's incident links to its job's page, and an operator's close shows who and why", async () => {
  await using db = await testDatabase();
  const sql = db.sql;
  const names = ["verdict-check", "settlement-monitor"];
  await using rt = dbRuntime(
    db.url,
    names.map((name) => job({ name, run: () => Promise.resolve({}) })),
    {
      node: "a",
    },
  );
  const readiness = createReadiness({ ping: () => sql`SELECT 1`, clock: fakeClock() });
  readiness.markMigrated();
  readiness.markStarted();
  await using http = serve(createApp({
    runtime: rt.runtime,
    readiness,
    log: createLogger({ level: "silent" }),
    metrics: runtimeMetrics(createRegistry(), rt.runtime, readiness),
    sql,
    dashboard: { publicReads: true, refreshMs: 0 },
  }));
  await sql`
    INSERT INTO incidents (job, reason, detail, opened_at, closed_at, closed_by, close_note)
    VALUES ('verdict-check:case-7', 'mismatch', 'tx 0xab carries other data', now(), NULL, NULL, NULL),
           ('verdict-check:case-3', 'mismatch', 'tx 0xcd carries other data', now() - interval '2 days',
            now() - interval '1 day', 'cli', 'checked the node: a reorg')`;
  const page = async (path: string) => {
    const res = await fetch(http.base + path);
    return { status: res.status, text: await res.text() };
  };
  const jobs = await page("/");
  const link = /<a href="([^"]+)">verdict-check:case-7<\/a>/.exec(jobs.text)?.[1];
  assert.equal(link, "/jobs/verdict-check", "the open case incident links to its job");
  const target = await page(link!);
  assert.equal(target.status, 200);
  assert.match(target.text, /verdict-check:case-7/, "its job's page lists it");
  assert.match(target.text, /verdict-check:case-3/, "and the closed one");
  assert.match(
    target.text,
    /, closed <time[^>]*>[^<]*<\/time> by cli: checked the node: a reorg<\/li>/,
  );
});

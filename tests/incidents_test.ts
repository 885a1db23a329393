import assert from "node:assert/strict";
import { Hono } from "hono";
import { cli } from "../cli.ts";
import { incidentAlerts } from "../domain/incidents.ts";
import { createLogger } from "../actors/log.ts";
import { apiRoutes } from "../routes/api.ts";
import { errorHandler } from "../routes/errors.ts";
import { testDatabase } from "./db.ts";
import { serve, serveApp } from "./fakes/http.ts";
import { testRuntime } from "./fakes/runtime.ts";
import { createReadiness } from "../routes/readiness.ts";

const TOKEN = "s3cret-admin-token-0123";
const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
const at = (m: number) => new Date(Date.UTC(2026, 5, 1, 10, m));

Deno.test("incidents are listed newest first at GET /api/incidents and by jobs incidents, open or all", async () => {
  await using db = await testDatabase({ share: true });
  const alerts = incidentAlerts(db.sql, { adminChatId: -5 });
  await alerts.raise({ child: "level-ups", error: "boom", at: at(1) });
  await alerts.raise({ child: "level-ups", error: "boom again", at: at(2) }); // still the same one
  await alerts.raise({ child: "badge-check", error: "no table", at: at(3) });
  await alerts.recovered("level-ups", at(4));

  const app = new Hono().route("/api", apiRoutes({ sql: db.sql, adminToken: TOKEN }));
  app.onError(errorHandler(createLogger({ level: "silent" })));
  await using http = serve(app);
  const all = await http.get("/api/incidents", auth);
  assert.equal(all.status, 200);
  assert.deepEqual(
    all.body.incidents.map((i: Record<string, unknown>) => [i.job, i.reason, i.closedAt === null]),
    [["badge-check", "gave-up", true], ["level-ups", "gave-up", false]],
  );
  assert.equal(all.body.incidents[1].detail, "boom");
  const open = await http.get("/api/incidents?state=open&limit=5", auth);
  assert.deepEqual(open.body.incidents.map((i: { job: string }) => i.job), ["badge-check"]);
  const one = await http.get("/api/incidents?limit=1", auth);
  assert.equal(one.body.incidents.length, 1);
  for (const bad of ["?state=closed", "?limit=0", "?state=open&state=all"]) {
    const r = await http.get(`/api/incidents${bad}`, auth);
    assert.equal(r.status, 400, bad);
    assert.match(r.body.error, /^query (state|limit)/, bad);
  }
  assert.equal((await http.get("/api/incidents")).status, 401);

  const lines: string[] = [];
  const errors: string[] = [];
  const run = (args: string[]) =>
    cli(["jobs", "incidents", ...args], db.env, (l) => lines.push(l), (l) => errors.push(l));
  assert.equal(await run(["--json"]), 0, errors.join("\n"));
  assert.deepEqual(JSON.parse(lines.pop()!).map((i: { job: string }) => i.job), [
    "badge-check",
    "level-ups",
  ]);
  assert.equal(await run(["--open"]), 0);
  assert.deepEqual(lines.splice(0), [
    `#${open.body.incidents[0].id}  ${at(3).toISOString()}  badge-check  gave-up  open  no table`,
  ]);
  assert.equal(await run(["--open=1"]), 64);
  assert.match(errors.pop()!, /--open takes no value/);

  // The next page, as GET /api/incidents?before= gives it: those listed after incident N.
  const [newest] = all.body.incidents;
  assert.equal(await run(["--before", String(newest.id), "--json"]), 0, errors.join("\n"));
  assert.deepEqual(JSON.parse(lines.pop()!).map((i: { job: string }) => i.job), ["level-ups"]);
  assert.equal(await run(["--before", "99999"]), 1);
  assert.equal(errors.pop(), "jobs incidents: no incident 99999 to page from");
  // Not digits, zero, a fraction, a sign, past 2^53 - 1 (16 digits) and far past it (20).
  for (const bad of ["0", "x", "abc", "1e3", "1.5", "-1", "9007199254740992", "9".repeat(20)]) {
    assert.equal(await run(["--before", bad]), 64, bad);
    assert.match(errors.pop()!, new RegExp(`^--before expects an incident id .*got "${bad}"`));
  }
});

Deno.test("/metrics counts the open incidents by reason, from the database, as every replica does", async () => {
  await using db = await testDatabase();
  const alerts = incidentAlerts(db.sql, { adminChatId: -5 });
  await alerts.raise({ child: "level-ups", error: "boom", at: at(1) });
  await alerts.raise({ child: "badge-check", error: "boom", at: at(2) });
  await alerts.recovered("badge-check", at(3));
  const opened = at(4);
  await db.sql`
    INSERT INTO incidents (job, reason, detail, opened_at)
    VALUES ('streak-expiry', 'stale', 'x', ${opened})`;
  const { runtime, clock } = testRuntime([]);
  const readiness = createReadiness({ ping: () => Promise.resolve(), clock });
  await using http = serveApp(runtime, readiness, { sql: db.sql });
  const text = await (await fetch(`${http.base}/metrics`)).text();
  const lines = text.split("\n").filter((l) => l.startsWith("warden_incidents_open"));
  assert.deepEqual(lines, [
    'warden_incidents_open{reason="anchor-failed"} 0',
    'warden_incidents_open{reason="failing"} 0',
    'warden_incidents_open{reason="gave-up"} 1',
    'warden_incidents_open{reason="mismatch"} 0',
    'warden_incidents_open{reason="paused"} 0',
    'warden_incidents_open{reason="stale"} 1',
  ]);
});

Deno.test("GET /api/incidents pages on with before=<the last id seen>, in the listing's order, validated", async () => {
  await using db = await testDatabase();
  const alerts = incidentAlerts(db.sql, {});
  // Opened out of id order (each job reports on its own clock): paging follows opened_at, not id.
  for (const [job, minute] of [["a", 5], ["b", 1], ["c", 3], ["d", 3], ["e", 2]] as const) {
    await alerts.raise({ child: job, error: "boom", at: at(minute) });
  }
  await alerts.recovered("c", at(9));
  const app = new Hono().route("/api", apiRoutes({ sql: db.sql, adminToken: TOKEN }));
  app.onError(errorHandler(createLogger({ level: "silent" })));
  await using http = serve(app);
  const jobs = (r: { body: { incidents: { job: string }[] } }) =>
    r.body.incidents.map((i) => i.job);

  const seen: string[] = [];
  let before = "";
  for (let pages = 0; pages < 5; pages++) {
    const page = await http.get(`/api/incidents?limit=2${before}`, auth);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    if (page.body.incidents.length === 0) break;
    seen.push(...jobs(page));
    before = `&before=${page.body.incidents.at(-1).id}`;
  }
  assert.deepEqual(seen, ["a", "d", "c", "e", "b"], "every incident once, newest first");

  const firstOpen = await http.get("/api/incidents?state=open&limit=2", auth);
  assert.deepEqual(jobs(firstOpen), ["a", "d"]);
  const nextOpen = await http.get(
    `/api/incidents?state=open&limit=2&before=${firstOpen.body.incidents[1].id}`,
    auth,
  );
  assert.deepEqual(jobs(nextOpen), ["e", "b"], "the closed one is left out");

  for (
    const [query, error] of [
      [
        "before=0",
        /^query before="0": expected a positive whole number \(an incident's id: the last one/,
      ],
      ["before=x", /^query before="x": expected/],
      ["before=1&before=2", /^query before given 2 times/],
      ["before=999999", /^query before=999999: no incident 999999 to page from/],
    ] as const
  ) {
    const r = await http.get(`/api/incidents?${query}`, auth);
    assert.equal(r.status, 400, query);
    assert.match(r.body.error, error, query);
  }
});

import assert from "node:assert/strict";
import { Hono } from "hono";
import { createLogger } from "../actors/log.ts";
import { caseClosureJob } from "../domain/case_closure.ts";
import { caseGenerationJob } from "../domain/case_generation.ts";
import { bankProvider } from "../domain/case_provider.ts";
import { caseRoutes } from "../routes/cases.ts";
import { errorHandler } from "../routes/errors.ts";
import { testDatabase } from "./db.ts";
import { community, runJob } from "./fakes/community.ts";
import { serve } from "./fakes/http.ts";

const TOKEN = "s3cret-admin-token-0123";
const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
const SLOT = new Date("2026-06-01T00:00:00Z");

Deno.test("GET /api/cases and /api/cases/:id: the verdict and salt only once closed, counts, rewards by state", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -1, title: "Readers" }, [{ user: 1 }, { user: 2 }]);
  const generation = caseGenerationJob({ provider: bankProvider(), votingHours: 24, rail: "xp" });
  await runJob(generation, db.sql, SLOT);
  await runJob(generation, db.sql, new Date(SLOT.getTime() + 12 * 3_600_000));
  await db.sql`
    INSERT INTO case_votes (case_id, user_id, chat_id, option, voted_at)
    VALUES (1, 1, -1, 'police', ${SLOT}), (1, 2, -1, 'keep', ${SLOT})`;
  const app = new Hono().route("/api", caseRoutes({ sql: db.sql, adminToken: TOKEN }));
  app.onError(errorHandler(createLogger({ level: "silent" })));
  await using http = serve(app);

  const open = await http.get("/api/cases/1", auth);
  assert.equal(open.status, 200);
  assert.deepEqual([open.body.status, open.body.verdict, open.body.salt], ["open", null, null]);
  assert.equal(open.body.options[0].votes, undefined, "no counts while voting is open");
  assert.match(open.body.commitment, /^[0-9a-f]{64}$/);

  await runJob(
    caseClosureJob({ pool: 1000, rail: "xp" }),
    db.sql,
    new Date(SLOT.getTime() + 86_400_000),
  );
  const closed = await http.get("/api/cases/1", auth);
  assert.equal(closed.body.status, "closed");
  assert.equal(closed.body.verdict, "police");
  assert.match(closed.body.salt, /^[0-9a-f]{32}$/);
  assert.deepEqual(closed.body.options.map((o: { id: string; votes: number }) => [o.id, o.votes]), [
    ["return", 0],
    ["police", 1],
    ["keep", 1],
  ]);
  assert.deepEqual(closed.body.rewards, [
    { kind: "participant", state: "completed", rail: "xp", rewards: 2, xp: 200 },
    { kind: "voter", state: "completed", rail: "xp", rewards: 1, xp: 400 },
  ]);

  const list = await http.get("/api/cases?status=closed", auth);
  assert.deepEqual(list.body.cases.map((c: { id: number }) => c.id), [1]);
  const all = await http.get("/api/cases?limit=1", auth);
  assert.deepEqual(all.body.cases.map((c: { id: number; votes: number }) => [c.id, c.votes]), [[
    2,
    0,
  ]]);
  for (const bad of ["?status=done", "?limit=0", "?limit=101"]) {
    const r = await http.get(`/api/cases${bad}`, auth);
    assert.equal(r.status, 400, bad);
    assert.match(r.body.error, /^query (status|limit)/);
  }
  // One id, one spelling: no letters, no leading zero, no zero, nothing past 2^53 - 1.
  // deno-fmt-ignore
  const ids = [["abc", ""], ["007", ": no leading zero"], ["0", ""],
    ["9007199254740992", ": at most 9007199254740991 (2^53 - 1)"]];
  for (const [bad, why] of ids) {
    const r = await http.get(`/api/cases/${bad}`, auth);
    assert.deepEqual(
      [r.status, r.body.error],
      [400, `id must be a positive whole number (a case number), got "${bad}"${why}`],
      bad,
    );
  }
  const unknown = await http.get("/api/cases/99", auth);
  assert.deepEqual([unknown.status, unknown.body.error], [404, "unknown case 99"]);
  assert.equal((await http.get("/api/cases")).status, 401);
});

/**
 * `POST /api/chats/:chat/members/:user/xp` with an `Idempotency-Key`, on two replicas (two
 * clients, two servers) of one database: a blind retry answers the first result and moves
 * nothing; the key on another request is refused; a bad key is a 400 naming the problem.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import type postgres from "postgres";
import { createLogger } from "../actors/log.ts";
import { connectClient } from "../db/connect.ts";
import { adminApiRoutes } from "../routes/admin_api.ts";
import { errorHandler } from "../routes/errors.ts";
import { testDatabase } from "./db.ts";
import { community } from "./fakes/community.ts";
import { serve } from "./fakes/http.ts";

const TOKEN = "s3cret-admin-token-0123";

function replica(sql: postgres.Sql) {
  const app = new Hono().route("/api", adminApiRoutes({ sql, adminToken: TOKEN }));
  app.onError(errorHandler(createLogger({ level: "silent" })));
  return serve(app);
}

async function twoReplicas() {
  const db = await testDatabase();
  await community(db.sql, { id: -1 }, [{ user: 7, xp: 10 }, { user: 8, xp: 10 }]);
  const embedded = db.kind === "embedded";
  const sqlA = connectClient(db.url, { embedded, max: 4 });
  const sqlB = connectClient(db.url, { embedded, max: 4 });
  const a = replica(sqlA);
  const b = replica(sqlB);
  const post = (
    http: typeof a,
    body: unknown,
    key: string | undefined,
    path = "/api/chats/-1/members/7/xp",
  ) =>
    http.get(path, {
      method: "POST",
      headers: {
        authorization: `Bearer ${TOKEN}`,
        "content-type": "application/json",
        ...(key === undefined ? {} : { "idempotency-key": key }),
      },
      body: JSON.stringify(body),
    });
  const moved = async () => {
    const [row] = await db.sql<{ xp: number; ledger: number; audits: number }[]>`
      SELECT (SELECT xp::int FROM members WHERE chat_id = -1 AND user_id = 7) AS xp,
             (SELECT count(*)::int FROM xp_ledger WHERE reason = 'admin') AS ledger,
             (SELECT count(*)::int FROM admin_actions) AS audits`;
    return row;
  };
  return {
    db,
    a,
    b,
    post,
    moved,
    async [Symbol.asyncDispose]() {
      await a[Symbol.asyncDispose]();
      await b[Symbol.asyncDispose]();
      await sqlA.end();
      await sqlB.end();
      await db[Symbol.asyncDispose]();
    },
  };
}

Deno.test("XP API: a retry with the same Idempotency-Key, on either replica, answers the first result and moves nothing", async () => {
  await using r = await twoReplicas();
  const key = "3f0c7a1e-retry-after-504";
  const first = await r.post(r.a, { amount: 5, reason: "meetup" }, key);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.xp, 15);
  const again = await r.post(r.b, { amount: 5, reason: " meetup " }, key);
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.deepEqual(again.body, first.body, "the first answer, again");
  const raw = await fetch(`${r.b.base}/api/chats/-1/members/7/xp`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${TOKEN}`,
      "content-type": "application/json",
      "idempotency-key": key,
    },
    body: JSON.stringify({ amount: 5, reason: "meetup" }),
  });
  await raw.body?.cancel();
  assert.equal(raw.headers.get("idempotent-replayed"), "true", "a replay says it is one");
  assert.deepEqual(await r.moved(), { xp: 15, ledger: 1, audits: 1 });

  // A different body under the same key: refused, saying so; nothing moves.
  const other = await r.post(r.b, { amount: 6, reason: "meetup" }, key);
  assert.equal(other.status, 422, JSON.stringify(other.body));
  assert.match(other.body.error, /Idempotency-Key .* was used for a different request/);
  const elsewhere = await r.post(
    r.a,
    { amount: 5, reason: "meetup" },
    key,
    "/api/chats/-1/members/8/xp",
  );
  assert.equal(elsewhere.status, 422, "the same key for another member is another request");
  // Even a member who does not exist: the key is checked first, so the answer says the key was
  // spent (422), not that the member is unknown (404) as if the key were still free.
  const nobody = await r.post(
    r.b,
    { amount: 5, reason: "meetup" },
    key,
    "/api/chats/-1/members/99/xp",
  );
  assert.equal(nobody.status, 422, JSON.stringify(nobody.body));
  assert.match(nobody.body.error, /member 7 in chat -1/, "names the request the key was used for");
  assert.deepEqual(await r.moved(), { xp: 15, ledger: 1, audits: 1 });

  // Without a key every post is a move of its own, as before.
  await r.post(r.a, { amount: 1, reason: "x" }, undefined);
  await r.post(r.a, { amount: 1, reason: "x" }, undefined);
  assert.deepEqual(await r.moved(), { xp: 17, ledger: 3, audits: 3 });
});

Deno.test("XP API: two posts with one Idempotency-Key at once, one on each replica, move XP once", async () => {
  await using r = await twoReplicas();
  for (let i = 0; i < 5; i++) {
    const key = `double-post-${i}`;
    const [x, y] = await Promise.all([
      r.post(r.a, { amount: 2, reason: "race" }, key),
      r.post(r.b, { amount: 2, reason: "race" }, key),
    ]);
    assert.deepEqual([x.status, y.status], [200, 200], JSON.stringify([x.body, y.body]));
    assert.deepEqual(x.body, y.body, "both answer the one move");
  }
  assert.deepEqual(await r.moved(), { xp: 20, ledger: 5, audits: 5 });
  // One key on two members at once (a client's mistake): one moves, the other is refused.
  for (let i = 0; i < 5; i++) {
    const key = `two-members-${i}`;
    const answers = await Promise.all([
      r.post(r.a, { amount: 1, reason: "race" }, key, "/api/chats/-1/members/7/xp"),
      r.post(r.b, { amount: 1, reason: "race" }, key, "/api/chats/-1/members/8/xp"),
    ]);
    assert.deepEqual(answers.map((x) => x.status).sort(), [200, 422], JSON.stringify(answers));
  }
  const [{ audits }] = await r.db.sql<{ audits: number }[]>`
    SELECT count(*)::int AS audits FROM admin_actions`;
  assert.equal(audits, 10);
});

Deno.test("XP API: a malformed Idempotency-Key is a 400 naming the problem, and nothing moves", async () => {
  await using r = await twoReplicas();
  for (
    const [key, error] of [
      ["", /Idempotency-Key: expected 8 to 128 characters, got 0/],
      ["short", /Idempotency-Key: expected 8 to 128 characters, got 5/],
      ["k".repeat(129), /Idempotency-Key: expected 8 to 128 characters, got 129/],
      ["has spaces in it", /Idempotency-Key: character " " not allowed/],
      ["key;with;semicolons", /Idempotency-Key: character ";" not allowed/],
    ] as const
  ) {
    const res = await r.post(r.a, { amount: 5, reason: "x" }, key);
    assert.equal(res.status, 400, JSON.stringify(key));
    assert.match(res.body.error, error);
  }
  assert.deepEqual(await r.moved(), { xp: 10, ledger: 0, audits: 0 });
});

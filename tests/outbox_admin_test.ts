import assert from "node:assert/strict";
import { Hono } from "hono";
import type postgres from "postgres";
import { createLogger } from "../actors/log.ts";
import { claimDue, expireStale, markSent } from "../bot/outbox_claim.ts";
import { settleGiveUp, settleRetry, settleUnreachable } from "../bot/outbox_settle.ts";
import { discardOutbox, outboxOverview, problemRows, retryOutbox } from "../domain/outbox_admin.ts";
import { retentionJob } from "../domain/retention.ts";
import { adminApiRoutes } from "../routes/admin_api.ts";
import { errorHandler } from "../routes/errors.ts";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";
import { community, runJob } from "./fakes/community.ts";
import { drivenDelivery } from "./fakes/delivery.ts";
import { serve } from "./fakes/http.ts";

const TOKEN = "s3cret-admin-token-0123";
const headers = { authorization: `Bearer ${TOKEN}` };
const LONG_AGO = new Date("2026-01-01T00:00:00Z");
const HOUR = 3_600_000;
const BOUNDS = { perChat: 50, perGroup: 50, total: 100 };

/** The database's clock: what the trigger stamps `settled_at` with. */
const dbNow = async (sql: postgres.Sql) => (await sql<{ now: Date }[]>`SELECT now()`)[0].now;

/** Rows `keys` waiting for `chat` (due long ago, no expiry); returns their ids by key. */
async function plant(sql: postgres.Sql, chat: number, keys: string[], attempts = 0) {
  const rows = await sql<{ id: number; dedupe_key: string }[]>`
    INSERT INTO outbox (chat_id, text, dedupe_key, due_at, expires_at, attempts)
    SELECT ${chat}, 'text of ' || k, k, ${LONG_AGO}, NULL, ${attempts}
    FROM unnest(${keys}::text[]) k
    RETURNING id, dedupe_key`;
  return Object.fromEntries(rows.map((r) => [r.dedupe_key, r.id]));
}

async function settledAt(sql: postgres.Sql, ids: number[]) {
  const rows = await sql<{ at: Date | null }[]>`
    SELECT settled_at AS at FROM outbox WHERE id = ANY(${ids}::bigint[]) ORDER BY id`;
  return rows.map((r) => r.at);
}

Deno.test("every settle stamps settled_at through the trigger, and the overview counts the hour and the day", async () => {
  await using db = await testDatabase();
  const sql = db.sql;
  await community(sql, { id: -1 }, [{ user: 5, startedBot: true }]);
  const ids = {
    ...(await plant(sql, -1, ["sent1", "sent2", "old", "ancient", "retry", "long", "gateway"])),
    ...(await plant(sql, -1, ["sentRetried"], 2)),
    ...(await plant(sql, 5, ["blocked"])),
  };
  const now1 = await dbNow(sql);
  const claimed = await claimDue(sql, { now: now1, token: "t", leaseMs: 60_000, bounds: BOUNDS });
  assert.equal(claimed.length, 9);
  assert.deepEqual(await settledAt(sql, [ids.sent1]), [null], "a claim is no settle");
  const row = (id: number, chatId = -1) => ({ id, chatId, attempts: 0, token: "t", now: now1 });
  const sentKeys = ["sent1", "sent2", "sentRetried", "old", "ancient"];
  const sent = sentKeys.map((k) => ({ id: ids[k], messageId: 1 }));
  assert.equal(await markSent(sql, "t", sent, now1), 5);
  await settleRetry(sql, row(ids.retry), HOUR, "Too Many Requests: retry after 3600");
  await settleGiveUp(sql, row(ids.long), "dropped", "Bad Request: message is too long");
  await settleGiveUp(sql, row(ids.gateway), "failed", "Bad Gateway");
  await settleUnreachable(sql, row(ids.blocked, 5), "Forbidden: bot was blocked by the user");
  const expiring = await sql<{ id: number }[]>`
    INSERT INTO outbox (chat_id, text, dedupe_key, expires_at)
    VALUES (-1, 'stale', 'stale', ${LONG_AGO}) RETURNING id`;
  assert.equal(await expireStale(sql, await dbNow(sql)), 1);
  assert.ok((await settledAt(sql, Object.values(ids))).every((at) => at instanceof Date));
  assert.ok((await settledAt(sql, [expiring[0].id]))[0] instanceof Date);
  // Out of the hour, and out of the day.
  await sql`UPDATE outbox SET settled_at = settled_at - interval '2 hours' WHERE id = ${ids.old}`;
  await sql`UPDATE outbox SET settled_at = settled_at - interval '25 hours' WHERE id = ${ids.ancient}`;

  // The queue: one due, one not due yet (plus the retried row), one being sent.
  const waiting = await plant(sql, -2, ["due", "later", "held"]);
  await sql`UPDATE outbox SET due_at = ${new Date(
    now1.getTime() + HOUR,
  )} WHERE id = ${waiting.later}`;
  await sql`UPDATE outbox SET state = 'sending', lease_until = ${now1} WHERE id = ${waiting.held}`;
  assert.deepEqual(await settledAt(sql, Object.values(waiting)), [null, null, null]);

  const now = await dbNow(sql);
  const overview = await outboxOverview(sql, now);
  const dropped = [
    { state: "dropped", reason: "Bad Request", count: 1 },
    { state: "dropped", reason: "unreachable", count: 1 },
    { state: "expired", reason: "expired", count: 1 },
    { state: "failed", reason: "Bad Gateway", count: 1 },
  ];
  assert.deepEqual(overview, {
    waiting: 3,
    due: 1,
    oldestDueAgeMs: now.getTime() - LONG_AGO.getTime(),
    sending: 1,
    windows: {
      // retried: sentRetried (sent on its third attempt) and retry (pending after a failed try)
      hour: { sent: 3, retried: 2, dropped },
      day: { sent: 4, retried: 2, dropped },
    },
  });
});

/** Rows in each state, set by real state updates: returns their ids by state. */
async function problems(sql: postgres.Sql) {
  await community(sql, { id: -1 }, [{ user: 5, startedBot: true }]);
  const ids = {
    ...(await plant(sql, 5, ["dropped"])),
    ...(await plant(sql, -1, ["failed", "expired", "sent", "pending", "sending"])),
  };
  await sql`UPDATE members SET unreachable = true WHERE user_id = 5`;
  await sql`
    UPDATE outbox o SET state = s.state, last_error = s.error, attempts = 1
    FROM (VALUES ('dropped', 'unreachable: Forbidden: bot was blocked by the user'),
                 ('failed', 'Bad Gateway'), ('expired', 'expired: still waiting past its expiry'),
                 ('sent', NULL), ('sending', NULL)) AS s(state, error)
    WHERE o.dedupe_key = s.state`;
  // held under a live lease: its chat (-1) is not claimed meanwhile
  await sql`UPDATE outbox SET lease_until = now() + interval '1 hour' WHERE id = ${ids.sending}`;
  return ids;
}

Deno.test("problem rows are listed newest first; retry and discard take only them, audited", async () => {
  await using db = await testDatabase();
  const sql = db.sql;
  const ids = await problems(sql);
  const firstPage = await problemRows(sql, { limit: 2 });
  assert.deepEqual(firstPage.map((r) => r.state), ["expired", "failed"]);
  const next = await problemRows(sql, { limit: 2, beforeId: firstPage[1].id });
  assert.deepEqual(next.map((r) => [r.id, r.chatId, r.state]), [[ids.dropped, 5, "dropped"]]);
  assert.ok(next[0].settledAt instanceof Date && next[0].createdAt instanceof Date);

  const unknown = await retryOutbox(sql, 999_999, "ana", new Date());
  assert.deepEqual(unknown, { ok: false, status: 404, error: "unknown outbox row 999999" });
  const expected = "expected one of dropped, failed, expired";
  for (const state of ["sent", "pending", "sending"] as const) {
    const error = `Cannot retry outbox row ${ids[state]}: its state is ${state}, ${expected}`;
    const refused = await retryOutbox(sql, ids[state], "ana", new Date());
    assert.deepEqual(refused, { ok: false, status: 409, error, state });
  }

  const now = await dbNow(sql);
  const retried = await retryOutbox(sql, ids.dropped, "ana", now);
  assert.ok(retried.ok);
  assert.equal(retried.row.state, "pending");
  assert.match(retried.row.lastError!, /^unreachable: /, "last_error is kept as history");
  const [after] = await sql`
    SELECT due_at, expires_at, lease_until, claimed_by,
           (SELECT bool_or(unreachable) FROM members WHERE user_id = 5) AS unreachable
    FROM outbox WHERE id = ${ids.dropped}`;
  assert.deepEqual(after, {
    due_at: now,
    expires_at: new Date(now.getTime() + 24 * HOUR),
    lease_until: null,
    claimed_by: null,
    unreachable: false,
  });
  const claim = await claimDue(sql, { now, token: "t", leaseMs: 60_000, bounds: BOUNDS });
  assert.deepEqual(claim.map((r) => r.id), [ids.dropped], "the delivery takes it again");

  const discarded = await discardOutbox(sql, ids.failed, "bob");
  assert.ok(discarded.ok && discarded.row.state === "discarded");
  assert.equal(
    (await retryOutbox(sql, ids.failed, "ana", now) as { error: string }).error,
    `Cannot retry outbox row ${ids.failed}: its state is discarded, ${expected}`,
  );
  assert.equal((await discardOutbox(sql, ids.failed, "bob") as { status: number }).status, 409);
  assert.equal((await discardOutbox(sql, 999_999, "bob") as { status: number }).status, 404);
  assert.deepEqual((await problemRows(sql, { limit: 10 })).map((r) => r.id), [ids.expired]);

  const actions =
    await sql`SELECT author, action, chat_id, user_id, detail FROM admin_actions ORDER BY id`;
  assert.deepEqual([...actions], [
    {
      author: "ana",
      action: "outbox-retry",
      chat_id: 5,
      user_id: null,
      detail: {
        outbox: ids.dropped,
        from: "dropped",
        lastError: "unreachable: Forbidden: bot was blocked by the user",
      },
    },
    {
      author: "bob",
      action: "outbox-discard",
      chat_id: -1,
      user_id: null,
      detail: { outbox: ids.failed, from: "failed", lastError: "Bad Gateway" },
    },
  ]);

  // retention forgets discarded rows like dropped ones, never a waiting one
  const days = { runHistoryDays: 30, eventsDays: 30, quizDays: 7, metricsDays: 14 };
  const retention = { outboxDays: 7, ...days };
  await runJob(retentionJob(retention), sql, new Date(now.getTime() + 30 * 24 * HOUR));
  const left = await sql`SELECT dedupe_key FROM outbox ORDER BY id`;
  assert.deepEqual(left.map((r) => r.dedupe_key), ["dropped", "pending", "sending"]);
});

Deno.test("GET /api/outbox and POST /api/outbox/:id/retry|discard answer rows, 404 and 409 as JSON", async () => {
  await using db = await testDatabase();
  const ids = await problems(db.sql);
  const app = new Hono().route("/api", adminApiRoutes({ sql: db.sql, adminToken: TOKEN }));
  app.onError(errorHandler(createLogger({ level: "silent" })));
  await using http = serve(app);
  const post = (path: string) => http.get(path, { method: "POST", headers });

  const list = await http.get("/api/outbox?limit=2", { headers });
  assert.equal(list.status, 200);
  const keys = Object.keys(list.body.overview).sort().join();
  assert.equal(keys, "due,oldestDueAgeMs,sending,waiting,windows");
  assert.equal(list.body.overview.sending, 1);
  assert.deepEqual(list.body.problems.map((r: { id: number }) => r.id), [ids.expired, ids.failed]);
  const first = list.body.problems[0];
  assert.equal(new Date(first.createdAt).toISOString(), first.createdAt);
  const next = await http.get(`/api/outbox?before=${ids.failed}`, { headers });
  assert.deepEqual(next.body.problems.map((r: { id: number }) => r.id), [ids.dropped]);

  const retried = await post(`/api/outbox/${ids.expired}/retry`);
  assert.deepEqual([retried.status, retried.body.row.state], [200, "pending"]);
  const again = await post(`/api/outbox/${ids.expired}/retry`);
  assert.equal(again.status, 409);
  assert.match(again.body.error, /its state is pending/);
  const discarded = await post(`/api/outbox/${ids.failed}/discard`);
  assert.deepEqual([discarded.status, discarded.body.row.state], [200, "discarded"]);
  const unknown = await post("/api/outbox/424242/discard");
  assert.deepEqual(unknown, { status: 404, body: { error: "unknown outbox row 424242" } });
  const bad = await post("/api/outbox/abc/retry");
  assert.deepEqual([bad.status, bad.body.error], [
    400,
    'id must be a positive whole number (a row id), got "abc"',
  ]);
  // digits that are no row id: the answer says why (a row id is what a person types, as shown)
  for (
    const [raw, why] of [
      ["9007199254740992", ": at most 9007199254740991 (2^53 - 1)"],
      ["007", ": no leading zero"],
    ]
  ) {
    const path = await post(`/api/outbox/${raw}/retry`);
    assert.deepEqual([path.status, path.body.error], [
      400,
      `id must be a positive whole number (a row id), got "${raw}"${why}`,
    ]);
    const query = await http.get(`/api/outbox?before=${raw}`, { headers });
    assert.deepEqual([query.status, query.body.error], [
      400,
      `query before="${raw}": expected a positive whole number (a row id)${why}`,
    ]);
  }
  const badLimit = await http.get("/api/outbox?limit=500", { headers });
  assert.equal(badLimit.status, 400);
  assert.equal((await http.get("/api/outbox")).status, 401);
  const [{ n }] = await db.sql`SELECT count(*)::int AS n FROM admin_actions WHERE author = 'api'`;
  assert.equal(n, 2);
});

Deno.test("a row dropped as unreachable, retried once the user is back, is sent by the delivery", async () => {
  await using db = await testDatabase();
  const clock = fakeClock("2026-06-01T00:00:00Z");
  await community(db.sql, { id: -1 }, [{ user: 5, startedBot: true }]);
  const [{ id }] = await db.sql`
    INSERT INTO outbox (chat_id, text, dedupe_key, due_at, expires_at)
    VALUES (5, 'level up!', 'lvl:5', ${clock.now()}, NULL) RETURNING id`;
  await using d = drivenDelivery(db.sql, clock);
  const marked = async () =>
    (await db.sql`SELECT unreachable FROM members WHERE user_id = 5`)[0].unreachable;
  const until = (state: string) =>
    d.drive(async () =>
      (await db.sql`SELECT state FROM outbox WHERE id = ${id}`)[0].state === state
    );
  d.api.block(5);
  await until("dropped");
  assert.equal(await marked(), true);
  d.api.unblock(5);
  assert.ok((await retryOutbox(db.sql, id, "ana", clock.now())).ok);
  await until("sent");
  assert.deepEqual(d.api.sent.map((m) => [m.chat_id, m.text]), [[5, "level up!"]]);
  assert.equal(await marked(), false);
});

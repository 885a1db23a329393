/**
 * Telegram's answers that hold a chat back, across replicas: a 429 holds every row of its chat
 * (also the ones another replica could claim) and no other chat; a 429 is no failed try; a row
 * that expires while its batch waits is dropped, never sent late; the gauges follow a backlog.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { createRegistry } from "../actors/metrics.ts";
import { retryOutbox } from "../domain/outbox_admin.ts";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";
import { apiError, limitOnce, replicaWorld } from "./fakes/outbox_replicas.ts";

const T0 = "2026-06-01T00:00:00Z";
const t0 = Date.parse(T0);

/** `n` rows to `chat`, due at `at`, texts `c<chat>#<i>`. */
async function enqueue(sql: postgres.Sql, chat: number, n: number, at = new Date(T0)) {
  await sql`
    INSERT INTO outbox (chat_id, text, dedupe_key, due_at)
    SELECT ${chat}, 'c' || ${chat} || '#' || g, 'r:' || ${chat} || ':' || g || ':' || ${at.getTime()},
           ${at}
    FROM generate_series(1, ${n}) g`;
}
const waiting = async (sql: postgres.Sql) =>
  (await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM outbox WHERE state IN ('pending', 'sending')`)[0].n;

Deno.test("a 429 holds all of its chat's rows on every replica, in order; a second replica sends none early", async () => {
  await using db = await testDatabase();
  const clock = fakeClock(T0);
  await enqueue(db.sql, 42, 40); // more than one claim takes for a chat (30)
  await enqueue(db.sql, 43, 30);
  await using w = replicaWorld(db, clock);
  const limited = limitOnce(w, clock, 42, 60);
  w.replica("a");
  await w.quiet();
  w.replica("b");
  await w.runUntil(async () => (await waiting(db.sql)) === 0);
  const to42 = w.delivered.filter((d) => d.chatId === 42);
  const limitedAt = limited();
  assert.ok(limitedAt !== undefined);
  const early = to42.filter((d) => d.at > limitedAt && d.at < limitedAt + 60_000);
  assert.deepEqual(
    early.map((d) => `${d.text} by ${d.by}`),
    [],
    "nothing to 42 within retry_after",
  );
  assert.deepEqual(
    to42.filter((d) => d.at > limitedAt).map((d) => d.text),
    Array.from({ length: 40 }, (_, i) => `c42#${i + 1}`),
    "after the 429: every row once, in order",
  );
});

Deno.test("one replica: a chat's 429 holds that chat only; a row to another chat goes at once", async () => {
  await using db = await testDatabase();
  const clock = fakeClock(T0);
  await enqueue(db.sql, 42, 40);
  await using w = replicaWorld(db, clock);
  limitOnce(w, clock, 42, 300);
  w.replica("a");
  await w.runUntil(() => clock.now().getTime() - t0 >= 5_000);
  await enqueue(db.sql, 43, 1, clock.now());
  const written = clock.now().getTime();
  await w.runUntil(() => w.delivered.some((d) => d.chatId === 43));
  const sent = w.delivered.find((d) => d.chatId === 43)!.at;
  assert.ok(sent - written < 5_000, `chat 43 waited ${(sent - written) / 1000} s behind 42's 429`);
});

Deno.test("a 429 is no failed try: four of them, then a 502, and the row is still retried and sent", async () => {
  await using db = await testDatabase();
  const clock = fakeClock(T0);
  await enqueue(db.sql, 42, 1);
  await using w = replicaWorld(db, clock);
  let n = 0;
  w.onSend(() => {
    n++;
    if (n <= 4) throw apiError(429, "Too Many Requests: retry after 1", 1);
    if (n === 5) throw apiError(502, "Bad Gateway");
  });
  w.replica("a");
  await w.runUntil(async () => (await waiting(db.sql)) === 0);
  const [row] = await db.sql`SELECT state, attempts FROM outbox`;
  assert.deepEqual([row.state, row.attempts], ["sent", 2], "the 502 and the send that went");
});

Deno.test("a failed row an operator retries gets the whole 5xx backoff again", async () => {
  await using db = await testDatabase();
  const clock = fakeClock(T0);
  await enqueue(db.sql, 42, 1);
  await using w = replicaWorld(db, clock);
  let failing = 0; // sends to fail with a 502 from now on
  w.onSend(() => {
    if (failing !== 0) {
      failing--;
      throw apiError(502, "Bad Gateway");
    }
  });
  failing = 5;
  w.replica("a");
  await w.runUntil(async () =>
    (await db.sql`SELECT 1 FROM outbox WHERE state = 'failed'`).length > 0
  );
  const [{ id }] = await db.sql`SELECT id FROM outbox`;
  await retryOutbox(db.sql, Number(id), "op", clock.now());
  failing = 1; // Telegram is flaky once more
  await w.runUntil(async () => (await waiting(db.sql)) === 0);
  const [row] = await db.sql`SELECT state FROM outbox`;
  assert.equal(row.state, "sent", "the operator's retry outlived one 502");
});

Deno.test("rows that expire while their batch waits for Telegram's pace are dropped, never sent late", async () => {
  await using db = await testDatabase();
  const clock = fakeClock(T0);
  await db.sql`
    INSERT INTO outbox (chat_id, text, dedupe_key, due_at, expires_at)
    SELECT 42, 'm#' || g, 'e:' || g, ${new Date(T0)}, ${new Date(t0 + 10_000)}
    FROM generate_series(1, 30) g`;
  await using w = replicaWorld(db, clock);
  w.replica("a");
  await w.runUntil(async () => (await waiting(db.sql)) === 0);
  const rows = await db.sql<{ state: string; n: number; late: number }[]>`
    SELECT state, count(*)::int AS n, count(*) FILTER (WHERE sent_at > expires_at)::int AS late
    FROM outbox GROUP BY state ORDER BY state`;
  assert.deepEqual(rows.map((r) => ({ ...r })), [
    { state: "expired", n: 20, late: 0 },
    { state: "sent", n: 10, late: 0 }, // one a second from 0 s; the 11th would leave at 10.002 s
  ]);
});

Deno.test("the queue gauges follow a backlog, not only an idle queue", async () => {
  await using db = await testDatabase();
  const clock = fakeClock(T0);
  await enqueue(db.sql, 7, 1);
  const registry = createRegistry();
  await using w = replicaWorld(db, clock);
  w.replica("a", { registry });
  await w.runUntil(() => clock.now().getTime() - t0 >= 3_000);
  for (let c = 0; c < 20; c++) await enqueue(db.sql, -1000 - c, 100, clock.now());
  await w.runUntil(() => clock.now().getTime() - t0 >= 120_000);
  const gauge = (name: string) =>
    Number(registry.render().split("\n").find((l) => l.startsWith(`${name} `))?.split(" ")[1]);
  const left = await waiting(db.sql);
  assert.ok(left > 1_000, `a backlog still: ${left}`);
  const depth = gauge("warden_outbox_queue_depth");
  assert.ok(depth > 1_000 && depth <= 2_000, `depth gauge ${depth} with ${left} rows waiting`);
  assert.ok(gauge("warden_outbox_oldest_due_age_seconds") > 60);
});

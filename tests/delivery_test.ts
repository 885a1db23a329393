import assert from "node:assert/strict";
import type postgres from "postgres";
import { syncLevels } from "../domain/levels.ts";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";
import { drivenDelivery } from "./fakes/delivery.ts";
import { community } from "./fakes/community.ts";

const states = async (sql: postgres.Sql) =>
  Object.fromEntries(
    (await sql<
      { state: string; n: number }[]
    >`SELECT state, count(*)::int AS n FROM outbox GROUP BY state`)
      .map((r) => [r.state, r.n]),
  );

Deno.test("2,000 outbox rows across 50 chats: each delivered once, no 429 from Warden's own pace, the blocked dropped after one try", async () => {
  await using db = await testDatabase();
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 10 });
  const clock = fakeClock("2026-06-01T00:00:00Z");
  const groups = Array.from({ length: 25 }, (_, i) => -1000 - i);
  const people = Array.from({ length: 25 }, (_, i) => 5000 + i);
  await community(db.sql, { id: -1 }, people.map((user) => ({ user, startedBot: true })));
  await db.sql`
    INSERT INTO outbox (chat_id, text, dedupe_key, due_at)
    SELECT c, 'message ' || g || ' to ' || c, 'bulk:' || c || ':' || g, ${clock.now()}
    FROM unnest(${[...groups, ...people]}::bigint[]) c, generate_series(1, 40) g`;
  await using d = drivenDelivery(db.sql, clock);
  d.api.block(5000);
  d.api.block(5001);
  await d.drive(async () => {
    const s = await states(db.sql);
    return (s.sent ?? 0) + (s.dropped ?? 0) === 2_000;
  });
  assert.deepEqual(await states(db.sql), { sent: 1_920, dropped: 80 });
  assert.equal(
    d.api.limited.length,
    0,
    `Warden's pacing provoked no 429: ${JSON.stringify(d.api.limited.slice(0, 5))}`,
  );
  const texts = d.api.sent.map((m) => m.text);
  assert.equal(texts.length, 1_920);
  assert.equal(new Set(texts).size, 1_920, "every row exactly once");
  for (const blocked of [5000, 5001]) {
    const tries = d.api.calls.filter((c) =>
      c.method === "sendMessage" && c.params.chat_id === blocked
    );
    assert.equal(tries.length, 1, "one attempt, then the recipient is known unreachable");
  }
  const unreachable = await db.sql`SELECT user_id FROM members WHERE unreachable ORDER BY user_id`;
  assert.deepEqual(unreachable.map((m) => m.user_id), [5000, 5001]);
  const [reason] = await db.sql`SELECT DISTINCT last_error FROM outbox WHERE state = 'dropped'`;
  assert.match(reason.last_error, /^unreachable: Forbidden: bot was blocked by the user/);
  const metrics = d.registry.render();
  for (
    const line of [
      "warden_outbox_sent_total 1920",
      'warden_outbox_dropped_total{reason="unreachable"} 80',
      "warden_outbox_queue_depth 0",
    ]
  ) assert.ok(metrics.includes(line), `${line} missing from:\n${metrics}`);
});

Deno.test("a 429 with retry_after 3: the row is retried after 3 s of the test clock, not before", async () => {
  await using db = await testDatabase();
  const clock = fakeClock("2026-06-01T00:00:00Z");
  await db
    .sql`INSERT INTO outbox (chat_id, text, dedupe_key, due_at) VALUES (42, 'hello', 'one', ${clock.now()})`;
  await using d = drivenDelivery(db.sql, clock);
  d.api.failNext({ chatId: 42, error: { code: 429, retryAfter: 3 } });
  const t0 = clock.now().getTime();
  const tries = () => d.api.calls.filter((c) => c.method === "sendMessage").map((c) => c.at - t0);
  await d.drive(() => Promise.resolve(tries().length >= 1));
  // The actor's next wake-up is when the row is due again: 3 s after the 429.
  await d.quiet();
  assert.equal((await clock.sleeping()).getTime() - t0, 3_000);
  await clock.advance(2_900);
  assert.equal(tries().length, 1, "not before 3 s");
  const [waiting] = await db.sql`SELECT state, attempts FROM outbox`;
  // A 429 is Telegram's pace, not a failed try: the 5xx backoff keeps its whole budget.
  assert.deepEqual([waiting.state, waiting.attempts], ["pending", 0]);
  await d.drive(async () => (await states(db.sql)).sent === 1);
  const [first, second] = tries();
  assert.equal(first, 0);
  assert.ok(second >= 3_000, `retried at ${second} ms`);
  const [sent] = await db.sql`SELECT attempts, last_error FROM outbox`;
  assert.equal(sent.attempts, 1);
  assert.match(sent.last_error, /Too Many Requests: retry after 3/);
});

Deno.test("a group upgraded to a supergroup, whose new id has chatted already: the chats merge and the row is sent once more", async () => {
  await using db = await testDatabase();
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 10 });
  const clock = fakeClock("2026-06-01T00:00:00Z");
  await community(db.sql, { id: -55, kind: "group" }, [{ user: 9, xp: 3 }]);
  await community(db.sql, { id: -100555 }, [{ user: 9, xp: 1 }]);
  await db
    .sql`INSERT INTO outbox (chat_id, text, dedupe_key, due_at) VALUES (-55, 'digest', 'd1', ${clock.now()})`;
  await using d = drivenDelivery(db.sql, clock);
  d.api.failNext({
    chatId: -55,
    error: {
      code: 400,
      description: "Bad Request: group chat was upgraded to a supergroup chat",
      migrateToChatId: -100555,
    },
  });
  await d.drive(async () => (await states(db.sql)).sent === 1);
  assert.deepEqual(d.api.sent.map((m) => [m.chat_id, m.text]), [[-100555, "digest"]]);
  const members = await db.sql`SELECT chat_id, xp FROM members WHERE user_id = 9`;
  assert.deepEqual(members.map((m) => [m.chat_id, m.xp]), [[-100555, 4]], "the members merged");
  assert.equal((await db.sql`SELECT 1 FROM chats WHERE chat_id = -55`).length, 0);
});

Deno.test("5xx and network failures back off, then fail for good after the last attempt", async () => {
  await using db = await testDatabase();
  const clock = fakeClock("2026-06-01T00:00:00Z");
  await db
    .sql`INSERT INTO outbox (chat_id, text, dedupe_key, due_at) VALUES (7, 'x', 'x', ${clock.now()})`;
  await using d = drivenDelivery(db.sql, clock);
  d.api.failNext({ chatId: 7, times: 3, error: { code: 502, description: "Bad Gateway" } });
  d.api.failNext({ chatId: 7, times: 2, error: { network: true } });
  await d.drive(async () => (await states(db.sql)).failed === 1);
  const tries = d.api.calls.filter((c) => c.method === "sendMessage").map((c) => c.at);
  assert.equal(tries.length, 5);
  const gaps = tries.slice(1).map((t, i) => t - tries[i]);
  assert.deepEqual(gaps.map((g) => Math.round(g / 1000)), [1, 2, 4, 8], "1 s, 2 s, 4 s, 8 s");
});

Deno.test("a notification still waiting past its expiry is dropped as expired, never sent late; an admin alert has none", async () => {
  await using db = await testDatabase();
  const clock = fakeClock("2026-06-01T00:00:00Z");
  const now = clock.now();
  await db.sql`
    INSERT INTO outbox (chat_id, text, dedupe_key, due_at, expires_at) VALUES
      (7, 'stale level-up', 'stale', ${now}, ${new Date(now.getTime() - 1)}),
      (8, 'fresh level-up', 'fresh', ${now}, ${new Date(now.getTime() + 60_000)}),
      (9, 'admin alert', 'alert', ${now}, NULL)`;
  const [{ defaulted }] = await db.sql`
    INSERT INTO outbox (chat_id, text, dedupe_key, due_at) VALUES (10, 'x', 'x', ${now})
    RETURNING expires_at - created_at = interval '24 hours' AS defaulted`;
  assert.equal(defaulted, true, "a notification written without one gets a day");
  await using d = drivenDelivery(db.sql, clock);
  await d.drive(async () => (await states(db.sql)).sent === 3);
  assert.deepEqual(d.api.sent.map((m) => m.text).sort(), ["admin alert", "fresh level-up", "x"]);
  const [stale] = await db.sql`SELECT state, last_error FROM outbox WHERE dedupe_key = 'stale'`;
  assert.equal(stale.state, "expired");
  assert.match(stale.last_error, /^expired/);
  assert.match(d.registry.render(), /warden_outbox_dropped_total\{reason="expired"\} 1/);
});

Deno.test("a row that expires between two expiry sweeps is still never claimed", async () => {
  await using db = await testDatabase();
  const clock = fakeClock("2026-06-01T00:00:00Z");
  const at = (s: number) => new Date(clock.now().getTime() + s * 1_000);
  // The first claim sweeps at 0 s; the next sweep is at 60 s. In between, at 40 s, a row falls
  // due 10 s after its expiry, and at 45 s another one that is still fresh.
  await db.sql`
    INSERT INTO outbox (chat_id, text, dedupe_key, due_at, expires_at) VALUES
      (7, 'late', 'late', ${at(40)}, ${at(30)}),
      (8, 'on time', 'on-time', ${at(45)}, ${at(3_600)})`;
  await using d = drivenDelivery(db.sql, clock);
  await d.drive(async () => (await states(db.sql)).sent === 1);
  assert.ok(clock.now() < at(60), "before the next sweep");
  assert.deepEqual(d.api.sent.map((m) => m.text), ["on time"]);
  const [late] = await db.sql`SELECT state FROM outbox WHERE dedupe_key = 'late'`;
  assert.equal(late.state, "pending", "waiting for the next sweep, unclaimed");
});

Deno.test("without a metrics registry a blocked recipient is still dropped after one try", async () => {
  // `droppedTotal?.inc(…, await settleUnreachable(…))` once skipped the settle itself when there
  // was no registry: the row stayed `sending` and went out again after every lease
  await using db = await testDatabase();
  const clock = fakeClock("2026-06-01T00:00:00Z");
  await community(db.sql, { id: -1 }, [{ user: 5000, startedBot: true }]);
  await db.sql`INSERT INTO outbox (chat_id, text, dedupe_key, due_at)
               VALUES (5000, 'hello', 'solo', ${clock.now()})`;
  await using d = drivenDelivery(db.sql, clock, { metrics: false });
  d.api.block(5000);
  await d.drive(async () => (await states(db.sql)).dropped === 1);
  assert.deepEqual(await states(db.sql), { dropped: 1 });
  assert.equal(d.api.calls.filter((c) => c.method === "sendMessage").length, 1);
});

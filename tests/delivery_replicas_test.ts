import assert from "node:assert/strict";
import type postgres from "postgres";
import { LeaseLostError } from "../actors/errors.ts";
import { claimBounds } from "../bot/outbox_claim.ts";
import { createPacer, telegramLimits } from "../bot/pacer.ts";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";
import { type Delivered, limitOnce, replicaWorld } from "./fakes/outbox_replicas.ts";

const T0 = "2026-06-01T00:00:00Z";

/** `perChat` rows to each chat, all due now, texts `c<chat>#<n>`. */
async function enqueue(sql: postgres.Sql, chats: number[], perChat: number) {
  await sql`
    INSERT INTO outbox (chat_id, text, dedupe_key, due_at)
    SELECT c, 'c' || c || '#' || g, 'r:' || c || ':' || g, ${new Date(T0)}
    FROM unnest(${chats}::bigint[]) c, generate_series(1, ${perChat}) g`;
}

const sentCount = async (sql: postgres.Sql) =>
  (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox WHERE state = 'sent'`)[0].n;

/** Texts delivered more than once. */
function duplicates(delivered: Delivered[]): string[] {
  const seen = new Map<string, number>();
  for (const d of delivered) seen.set(d.text, (seen.get(d.text) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([text]) => text);
}

/** Per chat, the shortest gap between two sends. */
function tightestGap(delivered: Delivered[], chatId: number): number {
  const times = delivered.filter((d) => d.chatId === chatId).map((d) => d.at).sort((a, b) => a - b);
  return Math.min(...times.slice(1).map((t, i) => t - times[i]));
}

for (
  const [title, sendMs] of [
    [
      "the bug at t = 61 s: 100 rows to one chat, a second replica started at 61 s sends none of them twice",
      0,
    ],
    [
      "lease renewal: sends answered in 2.5 s make a batch outlast its lease, yet a replica started at 61 s re-claims none of its rows",
      2_500,
    ],
  ] as const
) {
  Deno.test(title, async () => {
    await using db = await testDatabase();
    const clock = fakeClock(T0);
    await enqueue(db.sql, [42], 100);
    await using w = replicaWorld(db, clock);
    w.replica("a", { sendMs });
    await w.runUntil(() => clock.now().getTime() - Date.parse(T0) >= 61_000);
    w.replica("b", { sendMs });
    await w.runUntil(async () => (await sentCount(db.sql)) === 100);
    await w.quiet();
    assert.deepEqual(duplicates(w.delivered), [], "no row sent twice");
    assert.equal(w.delivered.length, 100);
    assert.ok(tightestGap(w.delivered, 42) >= 1_000, "one message a second to the chat");
  });
}

Deno.test("two replicas, 300 notifications to 10 chats, one killed mid-batch: the other takes over once its lease ran out; none lost, none twice: the sends in flight at the kill are dropped as unconfirmed", async () => {
  await using db = await testDatabase();
  const clock = fakeClock(T0);
  const chats = [11, 12, 13, 14, 15, -21, -22, -23, -24, -25];
  await enqueue(db.sql, chats, 30);
  await using w = replicaWorld(db, clock);
  const options = { sendMs: 300, leaseMs: 20_000 };
  const a = w.replica("a", options);
  await w.quiet();
  const b = w.replica("b", options);
  await w.runUntil(() => w.delivered.filter((d) => d.by === "a").length >= 60);
  const killedAt = clock.now().getTime();
  const inFlight = a.inFlight().map((d) => d.text);
  a.kill();
  await w.quiet();
  const unmarked = (await db.sql<{ text: string }[]>`
    SELECT text FROM outbox WHERE state <> 'sent' AND text = ANY(${
    w.delivered.filter((d) => d.by === "a").map((d) => d.text)
  }::text[])`).map((r) => r.text);
  assert.ok(inFlight.length > 0, "the kill caught sends in flight");
  assert.deepEqual(unmarked.sort(), [...inFlight].sort(), "what A sent is marked, but in flight");

  await w.runUntil(async () =>
    (await db.sql`SELECT 1 FROM outbox WHERE state IN ('pending', 'sending')`).length === 0
  );
  await w.quiet();
  const texts = new Set(w.delivered.map((d) => d.text));
  assert.equal(texts.size, 300, "none lost");
  assert.deepEqual(duplicates(w.delivered), [], "none twice");
  const dropped = await db.sql<{ text: string; last_error: string }[]>`
    SELECT text, last_error FROM outbox WHERE state <> 'sent'`;
  assert.deepEqual(dropped.map((r) => r.text).sort(), [...inFlight].sort());
  assert.ok(dropped.every((r) => r.last_error.startsWith("unconfirmed:")), "in doubt, not resent");
  assert.ok(w.delivered.some((d) => d.by === "b" && d.at > killedAt), "b took over");
  assert.ok(
    chats.filter((c) => c > 0).every((c) => tightestGap(w.delivered, c) >= 1_000),
    "one message a second per chat, across replicas",
  );
  assert.equal(b.failure, undefined);
});

Deno.test("a replica started while another holds every due row polls no more than once a second", async () => {
  await using db = await testDatabase();
  const clock = fakeClock(T0);
  await enqueue(db.sql, [42], 100);
  await using w = replicaWorld(db, clock);
  w.replica("a");
  await w.quiet();
  const b = w.replica("b");
  const start = clock.now().getTime();
  await w.runUntil(() => clock.now().getTime() - start >= 60_000);
  assert.ok(b.claims <= 62, `b tried to claim ${b.claims} times in a minute`);
  assert.ok(b.queries <= 130, `b sent ${b.queries} queries in a minute`);
  assert.ok(b.claims >= 30, `b still looks about once a second (${b.claims})`);
});

Deno.test("a 429 with retry_after 10 blocks that chat's lane for 10 s; the other chat goes on", async () => {
  await using db = await testDatabase();
  const clock = fakeClock(T0);
  await enqueue(db.sql, [42, 43], 5);
  await using w = replicaWorld(db, clock);
  const limited = limitOnce(w, clock, 42, 10);
  w.replica("a");
  await w.runUntil(async () => (await sentCount(db.sql)) === 10);
  const limitedAt = limited();
  assert.ok(limitedAt !== undefined);
  const to42 = w.delivered.filter((d) => d.chatId === 42);
  const afterLimit = to42.filter((d) => d.at > limitedAt);
  assert.equal(afterLimit.length, 5, "the limited row and the 4 others, once each after the 429");
  assert.ok(afterLimit.every((d) => d.at >= limitedAt + 10_000), "none before retry_after");
  assert.deepEqual(afterLimit.map((d) => d.text), [1, 2, 3, 4, 5].map((n) => `c42#${n}`));
  assert.ok(
    w.delivered.filter((d) => d.chatId === 43).every((d) => d.at < limitedAt + 10_000),
    "chat 43 was not held up",
  );
});

Deno.test("a replica cut off from the database stops sending before its lease can run out and fails with LeaseLostError; another replica finishes", async () => {
  await using db = await testDatabase();
  const clock = fakeClock(T0);
  await enqueue(db.sql, [42], 40);
  await using w = replicaWorld(db, clock);
  const a = w.replica("a", { leaseMs: 30_000 });
  await w.runUntil(() => w.delivered.length >= 5);
  a.cutOff(true);
  const cutAt = clock.now().getTime();
  w.replica("b", { leaseMs: 30_000 });
  await w.runUntil(() => a.failure !== undefined);
  assert.ok(a.failure instanceof LeaseLostError, `a failed with ${a.failure}`);
  const lastByA = Math.max(...w.delivered.filter((d) => d.by === "a").map((d) => d.at));
  assert.ok(lastByA < cutAt + 30_000, "a sent nothing once its lease may have run out");
  await w.runUntil(async () => (await sentCount(db.sql)) === 40);
  await w.quiet();
  assert.equal(new Set(w.delivered.map((d) => d.text)).size, 40, "none lost");
  assert.ok(duplicates(w.delivered).length <= 1, "at most the one send whose mark failed");
});

Deno.test("a batch renews only its own rows: a killed replica's rows are re-claimed once its lease ran out, while another replica's long batch goes on", async () => {
  await using db = await testDatabase();
  const clock = fakeClock(T0);
  await enqueue(db.sql, [42], 60);
  await using w = replicaWorld(db, clock);
  w.replica("a", { sendMs: 2_500, leaseMs: 20_000 });
  await w.quiet();
  await enqueue(db.sql, [43], 10);
  const b = w.replica("b", { leaseMs: 20_000 });
  await w.runUntil(() => w.delivered.filter((d) => d.by === "b").length >= 2);
  b.kill();
  const killedAt = clock.now().getTime();
  w.replica("c", { leaseMs: 20_000 });
  await w.runUntil(async () =>
    (await db.sql`SELECT 1 FROM outbox WHERE chat_id = 43 AND state <> 'sent'`).length === 0
  );
  const takeover = Math.min(
    ...w.delivered.filter((d) => d.chatId === 43 && d.by !== "b").map((d) => d.at),
  );
  assert.ok(
    takeover <= killedAt + 20_000 + 1_500,
    `chat 43 went on ${takeover - killedAt} ms after the kill: within b's lease and a poll`,
  );
  assert.ok(w.delivered.some((d) => d.by === "a" && d.at > takeover), "a's batches went on");
  assert.deepEqual(duplicates(w.delivered), []);
});

Deno.test("a claim takes what the pacer lets out in half its lease; a blocked lane waits until its end", () => {
  assert.deepEqual(claimBounds(telegramLimits, 60_000, 200), {
    perChat: 30,
    perGroup: 10,
    total: 200,
  });
  assert.deepEqual(claimBounds(telegramLimits, 20_000, 200), {
    perChat: 10,
    perGroup: 3,
    total: 200,
  });
  assert.deepEqual(claimBounds(telegramLimits, 1_000, 200), { perChat: 1, perGroup: 1, total: 15 });
  const pacer = createPacer(telegramLimits);
  pacer.block(42, 10_000);
  assert.equal(pacer.nextAllowed(42, 0), 10_000);
  assert.equal(pacer.nextAllowed(43, 0), 0, "other chats go on");
  pacer.block("global", 5_000);
  assert.equal(pacer.nextAllowed(43, 0), 5_000);
  pacer.prune(10_000);
  assert.equal(pacer.nextAllowed(42, 10_000), 10_000);
});

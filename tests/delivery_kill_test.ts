/**
 * A replica killed mid-batch, on one database with a replica that takes over: what it sent but
 * never marked is neither sent again nor left out of the chat's windows, and the places of the
 * shared global ring it held when it died are neither lost nor overused.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { claimDue, markSent, recentSends, UNCONFIRMED } from "../bot/outbox_claim.ts";
import { sharedPace } from "../bot/outbox_pace.ts";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";
import { busiest, type Delivered, replicaWorld } from "./fakes/outbox_replicas.ts";

const T0 = "2026-06-01T00:00:00Z";

/** `perChat` rows to each chat, all due now, texts `c<chat>#<n>`. */
async function enqueue(sql: postgres.Sql, chats: number[], perChat: number) {
  await sql`
    INSERT INTO outbox (chat_id, text, dedupe_key, due_at)
    SELECT c, 'c' || c || '#' || g, 'k:' || c || ':' || g, ${new Date(T0)}
    FROM unnest(${chats}::bigint[]) c, generate_series(1, ${perChat}) g`;
}

/** Texts delivered more than once. */
function duplicates(delivered: Delivered[]): string[] {
  const seen = new Map<string, number>();
  for (const d of delivered) seen.set(d.text, (seen.get(d.text) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([text]) => text);
}

/** No row is waiting or being sent any more. */
const settled = async (sql: postgres.Sql) =>
  (await sql`SELECT 1 FROM outbox WHERE state IN ('pending', 'sending') LIMIT 1`).length === 0;

Deno.test("a replica killed mid-batch: its sends in flight are not sent again by the replica that takes over, and they count in the chats' windows there (a group gets at most 20 a minute)", async () => {
  await using db = await testDatabase();
  const clock = fakeClock(T0);
  const groups = [-21, -22, -23];
  const chats = [7, 8];
  await enqueue(db.sql, [...groups, ...chats], 40);
  await using w = replicaWorld(db, clock);
  // Telegram answers in 1.5 s: a send to each chat is in flight at once. A short lease: the
  // replica that takes over does so within seconds, while the groups' minute is still full.
  const options = { sendMs: 1_500, leaseMs: 6_000 };
  const a = w.replica("a", options);
  // Kill A once the groups' minute is well used, at a moment it has several sends in flight.
  await w.runUntil(() =>
    w.delivered.filter((d) => d.chatId === groups[0]).length >= 25 && a.inFlight().length >= 3
  );
  const inFlight = a.inFlight().map((d) => d.text).sort();
  const killedAt = clock.now().getTime();
  a.kill();
  const b = w.replica("b", options);
  await w.runUntil(() => settled(db.sql));
  await w.quiet();

  assert.ok(inFlight.length >= 3, `the kill caught ${inFlight.length} sends in flight`);
  assert.ok(w.delivered.some((d) => d.by === "b" && d.at > killedAt), "b took over");
  for (const group of groups) {
    const most = busiest(w.delivered.filter((d) => d.chatId === group), 60_000);
    assert.ok(most <= 20, `${most} sends reached group ${group} within a minute`);
  }
  for (const chat of chats) {
    const most = busiest(w.delivered.filter((d) => d.chatId === chat), 1_000);
    assert.ok(most <= 1, `${most} sends reached chat ${chat} within a second`);
  }

  assert.deepEqual(duplicates(w.delivered), [], "nothing sent twice");
  // The sends in doubt are settled as such: not sent again, shown to the operator, retryable.
  const doubt = await db.sql<{ text: string; last_error: string }[]>`
    SELECT text, last_error FROM outbox WHERE state = 'dropped' ORDER BY text`;
  assert.deepEqual(doubt.map((r) => r.text), inFlight, "exactly the sends in flight at the kill");
  assert.ok(doubt.every((r) => r.last_error.startsWith("unconfirmed:")), doubt[0]?.last_error);
  const delivered = new Set(w.delivered.map((d) => d.text));
  assert.equal(delivered.size, 200, "none lost: every row reached Telegram once");
  const [sent] = await db.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM outbox WHERE state = 'sent'`;
  assert.equal(sent.n, 200 - inFlight.length, "every other row is marked sent");
  assert.equal(b.failure, undefined);
});

Deno.test("a replica killed while it holds places of the shared ring: the replica that takes over stays within 30 sends a second, counting the places the dead one took, loses nothing, and uses every place again", async () => {
  await using db = await testDatabase();
  const clock = fakeClock(T0);
  // 300 private chats, two notifications each: only the global limit holds them back.
  await enqueue(db.sql, Array.from({ length: 300 }, (_, i) => i + 1), 2);
  await using w = replicaWorld(db, clock);
  const a = w.replica("a", { sendMs: 40 });
  /** Places taken within the last window whose stamps are still ahead: a reservation in its horizon. */
  const held = async () =>
    (await db.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM outbox_pace WHERE sent_at > ${clock.now()}`)[0].n;
  await w.runUntil(async () => w.delivered.length >= 100 && (await held()) > 0);
  const heldAtKill = await held();
  const inFlight = a.inFlight().map((d) => d.text).sort();
  const killedAt = clock.now().getTime();
  a.kill();
  const b = w.replica("b", { sendMs: 40 });
  await w.runUntil(() => settled(db.sql));
  await w.quiet();

  assert.ok(heldAtKill > 0, "a held places when it died");
  assert.ok(w.delivered.some((d) => d.by === "b" && d.at > killedAt), "b took over");
  const most = busiest(w.delivered, 1_000);
  assert.ok(most <= 30, `${most} sends left within one second, the dead replica's included`);
  const around = busiest(w.delivered.filter((d) => Math.abs(d.at - killedAt) < 1_000), 1_000);
  assert.ok(around <= 30, `${around} sends within a second around the kill`);
  assert.deepEqual(duplicates(w.delivered), [], "nothing sent twice");
  assert.equal(new Set(w.delivered.map((d) => d.text)).size, 600, "none lost");
  const unsent = await db.sql<{ text: string }[]>`
    SELECT text FROM outbox WHERE state <> 'sent' ORDER BY text`;
  assert.deepEqual(unsent.map((r) => r.text), inFlight, "only the sends in doubt are not 'sent'");
  // Every place of the ring, those the dead replica held included, was taken again after it died.
  const [ring] = await db.sql<{ reused: number; places: number }[]>`
    SELECT count(*) FILTER (WHERE sent_at > ${new Date(killedAt)})::int AS reused,
           count(*)::int AS places
    FROM outbox_pace`;
  assert.deepEqual(ring, { reused: 30, places: 30 });
  assert.equal(b.failure, undefined);
});

Deno.test("a send in doubt: the next claim drops it as unconfirmed and takes the rest; a late mark from its replica still makes it sent", async () => {
  await using db = await testDatabase();
  const t = new Date(T0).getTime();
  await enqueue(db.sql, [7], 2);
  const bounds = { perChat: 10, perGroup: 10, total: 10 };
  const first = await claimDue(db.sql, { now: new Date(t), token: "a", leaseMs: 6_000, bounds });
  assert.equal(first.length, 2);
  const pace = sharedPace(db.sql, 30);
  assert.equal(await pace.take(t, { token: "a", id: first[0].id, ready: () => [] }), t);
  // "a" dies; once its lease ran out the next claim takes the unsent row, not the started one.
  const later = new Date(t + 6_001);
  const next = await claimDue(db.sql, { now: later, token: "b", leaseMs: 6_000, bounds });
  assert.deepEqual(next.map((r) => r.id), [first[1].id]);
  assert.equal(next.unconfirmed, 1);
  const [doubt] = await db.sql<{ state: string; sent_at: Date; last_error: string }[]>`
    SELECT state, sent_at, last_error FROM outbox WHERE id = ${first[0].id}`;
  assert.equal(doubt.state, "dropped");
  assert.equal(doubt.last_error, UNCONFIRMED);
  assert.equal(doubt.sent_at.getTime(), t + 6_000, "counted at its lease's end");
  const recent = await recentSends(db.sql, next, later);
  assert.deepEqual(recent.get(7), [t + 6_000], "in the chat's windows");
  // The answer came after all: its replica's mark makes it sent.
  assert.equal(await markSent(db.sql, "a", [{ id: first[0].id, messageId: 5 }], later), 1);
  const [row] = await db.sql<{ state: string }[]>`SELECT state FROM outbox WHERE id = ${
    first[0].id
  }`;
  assert.equal(row.state, "sent");
});

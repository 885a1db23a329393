import assert from "node:assert/strict";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";
import { busiest, replicaWorld } from "./fakes/outbox_replicas.ts";
import { sharedPace } from "../bot/outbox_pace.ts";

const T0 = "2026-06-01T00:00:00Z";

Deno.test("two replicas delivering at once keep Telegram's global pace between them: never more than 30 sends in a second, none twice, none lost", async () => {
  await using db = await testDatabase();
  const clock = fakeClock(T0);
  // 400 private chats, two notifications each: only the global limit holds them back.
  await db.sql`
    INSERT INTO outbox (chat_id, text, dedupe_key, due_at)
    SELECT c, 'c' || c || '#' || g, 'p:' || c || ':' || g, ${new Date(T0)}
    FROM generate_series(1, 400) c, generate_series(1, 2) g`;
  await using w = replicaWorld(db, clock);
  w.replica("a", { sendMs: 40 });
  w.replica("b", { sendMs: 40 });
  await w.runUntil(async () =>
    (await db.sql`SELECT 1 FROM outbox WHERE state <> 'sent' LIMIT 1`).length === 0
  );
  await w.quiet();
  assert.equal(new Set(w.delivered.map((d) => d.text)).size, 800, "none lost");
  assert.equal(w.delivered.length, 800, "none twice");
  const by = (name: string) => w.delivered.filter((d) => d.by === name).length;
  assert.ok(by("a") > 0 && by("b") > 0, `both delivered (a ${by("a")}, b ${by("b")})`);
  const most = busiest(w.delivered, 1_000);
  assert.ok(most <= 30, `${most} sends left within one second, across the two replicas`);
});

Deno.test("a chat's next batch on another replica keeps the chat's pace: a group gets at most 20 a minute and a private chat one a second, whichever replica sends", async () => {
  await using db = await testDatabase();
  const clock = fakeClock(T0);
  await db.sql`
    INSERT INTO outbox (chat_id, text, dedupe_key, due_at)
    SELECT c, 'c' || c || '#' || g, 'q:' || c || ':' || g, ${new Date(T0)}
    FROM unnest(ARRAY[-5, 7]::bigint[]) c, generate_series(1, 30) g`;
  await using w = replicaWorld(db, clock);
  const a = w.replica("a", { sendMs: 40 });
  // A sends part of its first batch, then stops (handing the rest back); B takes them at once.
  await w.runUntil(() => w.delivered.filter((d) => d.chatId === -5).length >= 6);
  let stopped = false;
  const stopping = a.stop().then(() => void (stopped = true));
  await w.runUntil(() => stopped);
  await stopping;
  w.replica("b", { sendMs: 40 });
  await w.runUntil(async () =>
    (await db.sql`SELECT 1 FROM outbox WHERE state <> 'sent' LIMIT 1`).length === 0
  );
  await w.quiet();
  assert.equal(w.delivered.length, 60, "each row once");
  assert.ok(w.delivered.some((d) => d.by === "b" && d.chatId === -5), "b sent to the group");
  const group = busiest(w.delivered.filter((d) => d.chatId === -5), 60_000);
  assert.ok(group <= 20, `${group} sends to the group within a minute`);
  const chat = busiest(w.delivered.filter((d) => d.chatId === 7), 1_000);
  assert.ok(chat <= 1, `${chat} sends to the private chat within a second`);
});

Deno.test("the shared places: a limit raised past the migration's 30 grows the ring, and two replicas together get no more than the limit within a second; each place taken marks its row's send started", async () => {
  await using db = await testDatabase();
  const t = new Date(T0).getTime();
  // Rows two claims hold, "a" the odd ids and "b" the even ones: a place is taken for a row.
  const ids = (await db.sql<{ id: number }[]>`
    INSERT INTO outbox (chat_id, text, dedupe_key, state, claimed_by, lease_until)
    SELECT g, 'm' || g, 'pace:' || g, 'sending', CASE WHEN g % 2 = 1 THEN 'a' ELSE 'b' END,
           ${new Date(t + 60_000)}
    FROM generate_series(1, 400) g
    RETURNING id`).map((r) => Number(r.id)).sort((x, y) => x - y);
  const rows = { a: ids.filter((_, i) => i % 2 === 0), b: ids.filter((_, i) => i % 2 === 1) };
  const [a, b] = [sharedPace(db.sql, 100), sharedPace(db.sql, 100)];
  const started: number[] = [];
  // Each asks for one place at a time, all at the same moment, until both are told to wait.
  let waits: number[] = [];
  for (let round = 0; waits.length < 2 && round < 500; round++) {
    waits = [];
    for (const [token, pace] of [["a", a], ["b", b]] as const) {
      const id = rows[token][0];
      const at = await pace.take(t, { token, id, ready: () => [] });
      if (at === t) started.push(rows[token].shift()!);
      else waits.push(at);
    }
  }
  assert.equal(started.length, 100, `${started.length} places taken at once, between the two`);
  assert.ok(waits.every((at) => at > t + 1_000), `told to wait until ${waits.map((w) => w - t)}`);
  const [ring] = await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox_pace`;
  assert.equal(ring.n, 100);
  const marked = await db.sql<{ id: number }[]>`
    SELECT id FROM outbox WHERE send_started_at = ${new Date(t)} ORDER BY id`;
  assert.deepEqual(marked.map((r) => Number(r.id)), started.sort((x, y) => x - y));
  // A row the claim does not hold is not started, and gets no send.
  assert.equal(await a.take(t + 1_100, { token: "a", id: rows.b[0], ready: () => [] }), Infinity);
  // A second later the places free again.
  assert.equal(await a.take(t + 1_200, { token: "a", id: rows.a[0], ready: () => [] }), t + 1_200);
});

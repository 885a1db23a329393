import assert from "node:assert/strict";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";
import { type Delivered, replicaWorld } from "./fakes/outbox_replicas.ts";

const T0 = "2026-06-01T00:00:00Z";

/** The most sends (by all replicas) that left within any one second. */
function busiestSecond(delivered: Delivered[]): number {
  const times = delivered.map((d) => d.at).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= 1_000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

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
  const most = busiestSecond(w.delivered);
  assert.ok(most <= 30, `${most} sends left within one second, across the two replicas`);
});

/**
 * A report chat (`chats.report_chat_id`) that Telegram upgrades to a supergroup: the chats that
 * report there, itself included, follow it, and a report already waiting for it is sent to the new
 * id, even when the bot never saw a message there (no `chats` row of its own to merge).
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { mergeChats } from "../domain/chat_merge.ts";
import { syncLevels } from "../domain/levels.ts";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";
import { community } from "./fakes/community.ts";
import { drivenDelivery } from "./fakes/delivery.ts";

const OLD = -55, NEW = -100555, OTHER = -77;
const UPGRADED = "Bad Request: group chat was upgraded to a supergroup chat";

const reportChats = async (sql: postgres.Sql) =>
  (await sql<{ chat_id: string; report_chat_id: string | null }[]>`
    SELECT chat_id::text, report_chat_id::text FROM chats ORDER BY chat_id`)
    .map((r) => [Number(r.chat_id), r.report_chat_id === null ? null : Number(r.report_chat_id)]);

Deno.test("a group that reports to itself, and one that reports to it, report to the supergroup after the upgrade (twice, on two replicas)", async () => {
  await using db = await testDatabase();
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 10 });
  await community(db.sql, { id: OLD, kind: "group" }, [{ user: 9, xp: 3 }]);
  await community(db.sql, { id: OTHER }, [{ user: 8, xp: 1 }]);
  await db.sql`UPDATE chats SET report_chat_id = ${OLD} WHERE chat_id IN (${OLD}, ${OTHER})`;
  const [a, b] = [1, 2].map(() => postgres(db.url, { max: 1, onnotice: () => {} }));
  try {
    await Promise.all([mergeChats(a, OLD, NEW), mergeChats(b, OLD, NEW)]);
    await mergeChats(a, OLD, NEW);
  } finally {
    await Promise.all([a.end(), b.end()]);
  }
  assert.deepEqual(await reportChats(db.sql), [[NEW, NEW], [OTHER, NEW]]);
});

Deno.test("a report chat the bot never saw a message in, upgraded: its waiting report goes to the new id, and its reporting chat follows", async () => {
  await using db = await testDatabase();
  const clock = fakeClock("2026-06-01T00:00:00Z");
  await community(db.sql, { id: OTHER }, [{ user: 8, xp: 1 }]);
  await db.sql`UPDATE chats SET report_chat_id = ${OLD} WHERE chat_id = ${OTHER}`;
  await db.sql`INSERT INTO outbox (chat_id, text, dedupe_key, due_at)
               VALUES (${OLD}, 'report', 'daily-report:-77:2026-05-31', ${clock.now()})`;
  const api = await (async () => {
    await using d = drivenDelivery(db.sql, clock, { metrics: false });
    d.api.failNext({
      chatId: OLD,
      times: 5,
      error: { code: 400, description: UPGRADED, migrateToChatId: NEW },
    });
    await d.drive(async () =>
      (await db.sql`SELECT 1 FROM outbox WHERE state IN ('pending', 'sending')`).length === 0
    );
    return d.api;
  })();
  const [row] = await db.sql`SELECT state, chat_id::text AS chat FROM outbox`;
  assert.deepEqual(
    { state: row.state, chat: Number(row.chat), sent: api.sent.map((m) => [m.chat_id, m.text]) },
    { state: "sent", chat: NEW, sent: [[NEW, "report"]] },
  );
  assert.deepEqual(await reportChats(db.sql), [[OTHER, NEW]]);
});

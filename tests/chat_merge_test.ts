import assert from "node:assert/strict";
import type postgres from "postgres";
import { mergeChats } from "../domain/chat_merge.ts";
import { syncLevels } from "../domain/levels.ts";
import { testDatabase } from "./db.ts";
import { botApiDouble, type Update } from "./fakes/bot_api.ts";
import { testBot } from "./fakes/bot.ts";
import { community } from "./fakes/community.ts";
import { groupMessage, type Person } from "./fakes/updates.ts";

const OLD = -55;
const NEW = -100555;
const T = "2026-06-01T10:00:00Z";

/** Every table with a `chat_id` column, read from the catalog: a new one joins the check by itself. */
async function chatTables(sql: postgres.Sql): Promise<string[]> {
  const rows = await sql<{ table_name: string }[]>`
    SELECT c.table_name FROM information_schema.columns c
    JOIN information_schema.tables t USING (table_schema, table_name)
    WHERE c.column_name = 'chat_id' AND c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
    ORDER BY 1`;
  return rows.map((r) => r.table_name);
}

async function rowsNaming(sql: postgres.Sql, chatId: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of await chatTables(sql)) {
    const [{ n }] = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM ${sql(table)} WHERE chat_id = ${chatId}`;
    if (n > 0) counts[table] = n;
  }
  return counts;
}

/** Every row of every chat-keyed table, in a stable order: what "the same state" means. */
async function snapshot(sql: postgres.Sql): Promise<string> {
  const out: Record<string, unknown> = {};
  for (const table of await chatTables(sql)) {
    out[table] = await sql`SELECT to_jsonb(t) AS r FROM ${sql(table)} t ORDER BY 1`.then((rows) =>
      rows.map((r) => JSON.stringify(r.r)).sort()
    );
  }
  return JSON.stringify(out);
}

async function balancesMismatched(sql: postgres.Sql): Promise<unknown[]> {
  return [
    ...await sql`
    SELECT m.chat_id, m.user_id, m.xp, coalesce(sum(l.amount), 0)::int AS ledger
    FROM members m LEFT JOIN xp_ledger l USING (chat_id, user_id)
    GROUP BY 1, 2, 3 HAVING m.xp <> coalesce(sum(l.amount), 0)`,
  ];
}

/** The old group, with a row in every table that names a chat, and the new chat, which chatted too. */
async function twoChats(sql: postgres.Sql) {
  await syncLevels(sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 10 });
  await community(sql, { id: OLD, kind: "group", title: "Book club" }, [
    { user: 9, xp: 120, level: 2 },
    { user: 10, xp: 5 },
  ]);
  await community(sql, { id: NEW, title: "Book club" }, [{ user: 9, xp: 3 }, { user: 11, xp: 1 }]);
  await sql`
    INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at) VALUES
      (${OLD}, 9, 119, 'message', 'msg:1', ${T}), (${OLD}, 9, 1, 'message', 'msg:2', ${T}),
      (${OLD}, 10, 5, 'message', 'msg:3', ${T}),
      (${NEW}, 9, 3, 'message', 'msg:1', ${T}), (${NEW}, 11, 1, 'message', 'msg:2', ${T})`;
  await sql`
    INSERT INTO streaks (chat_id, user_id, current, best, last_activity_at) VALUES
      (${OLD}, 9, 4, 7, ${T}), (${OLD}, 10, 1, 1, ${T}), (${NEW}, 9, 1, 2, ${T})`;
  await sql`
    INSERT INTO lives (chat_id, user_id, current, last_refill_at) VALUES
      (${OLD}, 9, 2, ${T}), (${NEW}, 9, 5, ${T})`;
  await sql`
    INSERT INTO quiz_sessions (chat_id, user_id, started_at, expires_at) VALUES (${OLD}, 10, ${T}, ${T})`;
  const [badge] = await sql`SELECT id FROM badges LIMIT 1`;
  if (badge) {
    await sql`
      INSERT INTO member_badges (chat_id, user_id, badge_id, awarded_at) VALUES
        (${OLD}, 9, ${badge.id}, ${T}), (${NEW}, 9, ${badge.id}, now())`;
  }
  await sql`
    INSERT INTO thanks_cooldowns (chat_id, from_user, to_user, last_at) VALUES (${OLD}, 9, 10, ${T})`;
  await sql`
    INSERT INTO events (kind, chat_id, user_id, dedupe_key) VALUES ('level_up', ${OLD}, 9, 'e1')`;
  await sql`
    INSERT INTO outbox (chat_id, text, dedupe_key, state) VALUES
      (${OLD}, 'old news', 'o1', 'sent'), (${OLD}, 'digest', 'o2', 'pending')`;
  for (const table of ["leaderboard_entries", "leaderboard_archive"]) {
    const stamp = table === "leaderboard_entries" ? sql`computed_at` : sql`archived_at`;
    await sql`
      INSERT INTO ${
      sql(table)
    } (chat_id, period, period_start, position, rank, user_id, score, reached_at, ${stamp})
      VALUES (${OLD}, 'week', '2026-05-25', 1, 1, 9, 120, ${T}, ${T}),
             (${OLD}, 'month', '2026-05-01', 1, 1, 9, 120, ${T}, ${T}),
             (${NEW}, 'month', '2026-05-01', 1, 1, 9, 3, ${T}, ${T})`;
  }
}

Deno.test("a group merged into its supergroup: nothing names the old id, balances equal ledgers, a second merge changes nothing", async () => {
  await using db = await testDatabase();
  await twoChats(db.sql);
  assert.ok((await chatTables(db.sql)).length >= 12, "the catalog lists the chat-keyed tables");

  // Both service messages of one migration may arrive at once (webhook, 40 connections).
  const [a, b] = await Promise.all([mergeChats(db.sql, OLD, NEW), mergeChats(db.sql, OLD, NEW)]);
  assert.deepEqual(
    [a.merged, b.merged].sort(),
    [false, true],
    "one merges, the other finds it done",
  );
  const moved = a.merged ? a : b;
  assert.equal(moved.members, 2);
  assert.equal(moved.archiveKept, 1, "the month both chats archived stays under the old id");

  assert.deepEqual(await rowsNaming(db.sql, OLD), { leaderboard_archive: 1 });
  assert.deepEqual(await balancesMismatched(db.sql), []);
  const members = await db.sql`
    SELECT user_id, xp, level, next_level_xp FROM members WHERE chat_id = ${NEW} ORDER BY user_id`;
  assert.deepEqual(members.map((m) => [m.user_id, m.xp, m.level]), [[9, 123, 2], [10, 5, 1], [
    11,
    1,
    1,
  ]]);
  const [level3] = await db.sql`SELECT min_xp FROM levels WHERE number = 3`;
  assert.equal(members[0].next_level_xp, level3.min_xp, "the higher level's next step stays");
  const sources = await db.sql`
    SELECT source FROM xp_ledger WHERE chat_id = ${NEW} AND user_id = 9 ORDER BY source`;
  assert.deepEqual(sources.map((s) => s.source), ["msg:1", `msg:1@${OLD}`, `msg:2@${OLD}`]);
  const [streak] = await db
    .sql`SELECT current, best FROM streaks WHERE chat_id = ${NEW} AND user_id = 9`;
  assert.deepEqual([streak.current, streak.best], [4, 7]);
  const [lives] = await db.sql`SELECT current FROM lives WHERE chat_id = ${NEW} AND user_id = 9`;
  assert.equal(lives.current, 5);
  const [chat] = await db.sql`SELECT kind, title FROM chats WHERE chat_id = ${NEW}`;
  assert.deepEqual([chat.kind, chat.title], ["supergroup", "Book club"]);

  const before = await snapshot(db.sql);
  const again = await mergeChats(db.sql, OLD, NEW);
  assert.equal(again.merged, false);
  assert.equal(await snapshot(db.sql), before, "the same state after a second merge");
});

Deno.test("a group never seen under its new id is renamed whole", async () => {
  await using db = await testDatabase();
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 10 });
  await community(db.sql, { id: OLD, kind: "group", title: "Chess" }, [{ user: 9, xp: 2 }]);
  await db.sql`
    INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source) VALUES (${OLD}, 9, 2, 'message', 'msg:1')`;
  await mergeChats(db.sql, OLD, NEW);
  assert.deepEqual(await rowsNaming(db.sql, OLD), {});
  const [chat] = await db.sql`SELECT kind, title FROM chats WHERE chat_id = ${NEW}`;
  assert.deepEqual([chat.kind, chat.title], ["supergroup", "Chess"]);
  assert.deepEqual(await balancesMismatched(db.sql), []);
});

Deno.test("the bot merges on the migration service messages, once, and pays nothing for them", async () => {
  await using db = await testDatabase();
  await twoChats(db.sql);
  await using api = botApiDouble({ limits: false });
  const bot = testBot(api, db.sql);
  await bot.init();
  const ana: Person = { id: 9, name: "Ana", username: "ana" };
  const service = (chat: number, type: string, field: Record<string, number>) => {
    const update = groupMessage({ chat, from: ana, text: "", messageId: 900, date: new Date(T) });
    const { text: _text, ...message } = update.message;
    return { ...update, message: { ...message, chat: { ...message.chat, type }, ...field } };
  };
  await bot.handleUpdate(
    service(OLD, "group", { migrate_to_chat_id: NEW }) as unknown as Update,
  );
  const after = await snapshot(db.sql);
  assert.deepEqual(await rowsNaming(db.sql, OLD), { leaderboard_archive: 1 });
  await bot.handleUpdate(
    service(NEW, "supergroup", { migrate_from_chat_id: OLD }) as unknown as Update,
  );
  assert.equal(await snapshot(db.sql), after, "the second service message changes nothing");
  assert.deepEqual(await balancesMismatched(db.sql), []);
});

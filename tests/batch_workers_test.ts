import assert from "node:assert/strict";
import type { Sql } from "postgres";
import { badgeCheckJob, syncBadges } from "../domain/badges.ts";
import { syncLevels } from "../domain/levels.ts";
import { levelUpsJob } from "../domain/level_ups.ts";
import { testDatabase } from "./db.ts";
import { community, outbox, runJob } from "./fakes/community.ts";

const SLOT = "2026-05-01T06:00:00Z";
const CHATS = 13;
const PER_CHAT = 40;

/** 13 groups of 40, with XP spread so that about two in three owe one or more levels. */
async function groups(sql: Sql) {
  await syncLevels(sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  for (let c = 0; c < CHATS; c++) {
    await community(
      sql,
      { id: -1000 - c, title: `G${c}` },
      Array.from({ length: PER_CHAT }, (_, i) => ({
        user: 1 + i,
        xp: ((i + 1) * 37 * (c + 3)) % 900,
        startedBot: i % 4 === 0,
      })),
    );
  }
}

/** `level-ups` on three workers in batches of 7. */
const threeWorkers = (
  options: { notify: boolean; afterBatch?: (batch: number) => void } = { notify: true },
) => levelUpsJob({ batchSize: 7, concurrency: 3, ...options });

/** Members whose level is not the one their XP gives (what level-ups must leave at zero). */
async function wrongLevels(sql: Sql) {
  const [r] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM members m
    WHERE m.level <> (SELECT max(number) FROM levels WHERE min_xp <= m.xp)`;
  return r.n;
}

/** Members named by this slot's level_up events, with how often each is named. */
async function named(sql: Sql) {
  return await sql<{ chat_id: number; user_id: number; times: number }[]>`
    SELECT e.chat_id, (m->>0)::bigint AS user_id, count(*)::int AS times
    FROM events e CROSS JOIN LATERAL jsonb_array_elements(e.payload->'members') m
    WHERE e.kind = 'level_up'
    GROUP BY 1, 2`;
}

Deno.test("level-ups with several workers: every member once, one digest per group, a failing worker stops the rest", async (t) => {
  await using db = await testDatabase();
  await groups(db.sql);
  const owed = await wrongLevels(db.sql);
  assert.ok(owed > CHATS * PER_CHAT / 2, `the fixture owes level-ups (${owed})`);

  await t.step("three workers in batches of 7 do what one worker does", async () => {
    const r = await runJob(threeWorkers({ notify: true }), db.sql, SLOT);
    assert.equal(r.changed, owed);
    assert.equal(await wrongLevels(db.sql), 0);
    const listed = await named(db.sql);
    assert.equal(listed.length, owed, "each levelled member is in the events");
    assert.ok(listed.every((m) => m.times === 1), "and no member is in them twice");
    const messages = await outbox(db.sql);
    const digests = messages.filter((m) => m.dedupe_key.startsWith("level-digest:"));
    assert.equal(digests.length, CHATS, "one digest per group");
    assert.equal(new Set(digests.map((d) => d.chat_id)).size, CHATS);
    const [dms] = await db.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM members m
      WHERE m.started_bot AND m.level > 1`;
    assert.equal(messages.length - digests.length, dms.n, "a private message per levelled starter");
  });

  await t.step("the same slot again: nothing changes", async () => {
    const before = await outbox(db.sql);
    const r = await runJob(threeWorkers({ notify: true }), db.sql, SLOT);
    assert.equal(r.changed, 0);
    assert.deepEqual(await outbox(db.sql), before);
  });

  await t.step(
    "a worker that fails fails the run; what committed is whole; a rerun finishes",
    async () => {
      await db.sql`UPDATE members SET level = 1, next_level_xp = 100`;
      await db.sql`TRUNCATE events, outbox`;
      const failing = threeWorkers({
        notify: false,
        afterBatch: (n) => {
          if (n >= 5) throw new Error(`crash in batch ${n}`);
        },
      });
      await assert.rejects(runJob(failing, db.sql, SLOT), /crash in batch/);
      const left = await wrongLevels(db.sql);
      assert.ok(
        left > 0 && left < owed,
        `some batches committed, not all (${left} of ${owed} left)`,
      );
      const listed = await named(db.sql);
      assert.equal(listed.length, owed - left, "each committed batch has its change and its event");
      const r = await runJob(threeWorkers({ notify: false }), db.sql, SLOT);
      assert.equal(r.changed, left);
      assert.equal(await wrongLevels(db.sql), 0);
    },
  );
});

Deno.test("badge-check with several workers: the awards of one worker, one digest per group", async () => {
  await using db = await testDatabase();
  await groups(db.sql);
  await syncBadges(db.sql);
  await db.sql`UPDATE members SET messages_count = 100 WHERE user_id % 3 = 0`;
  await db.sql`UPDATE members SET thanks_received = 5 WHERE user_id % 5 = 0`;
  const [{ due }] = await db.sql<{ due: number }[]>`
    SELECT (count(*) FILTER (WHERE messages_count >= 100) + count(*) FILTER (WHERE thanks_received >= 5))::int AS due
    FROM members`;
  const check = badgeCheckJob({ concurrency: 3 });
  const first = await runJob(check, db.sql, SLOT);
  assert.equal(first.changed, due);
  assert.equal((await runJob(check, db.sql, SLOT)).changed, 0, "a second run awards nothing");
  const [paid] = await db.sql<{ rows: number; xp: number }[]>`
    SELECT count(*)::int AS rows, sum(amount)::int AS xp FROM xp_ledger WHERE reason = 'badge'`;
  assert.equal(paid.rows, due, "one bonus row per award");
  const [balance] = await db.sql<{ xp: number }[]>`
    SELECT sum(xp - ((user_id * 37 * (3 - 1000 - chat_id)) % 900))::int AS xp FROM members`;
  assert.equal(balance.xp, paid.xp, "the bonuses are on the balances once");
  const digests = await outbox(db.sql);
  assert.equal(digests.length, CHATS);
  assert.equal(new Set(digests.map((d) => d.chat_id)).size, CHATS, "one digest per group");
});

import assert from "node:assert/strict";
import { levelTable, syncLevels } from "../domain/levels.ts";
import { levelUpsJob } from "../domain/level_ups.ts";
import { testDatabase } from "./db.ts";
import { community, outbox, runJob } from "./fakes/community.ts";

const mee6 = { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 } as const;
const SLOT = "2026-05-01T06:00:00Z";

Deno.test("level curves: mee6 by default, exponential and linear from their knobs", () => {
  assert.deepEqual(levelTable(mee6).slice(0, 5).map((l) => l.minXp), [0, 100, 255, 475, 770]);
  const exp = levelTable({ formula: "exponential", baseXp: 50, multiplier: 2, max: 5 });
  assert.deepEqual(exp.map((l) => l.minXp), [0, 50, 150, 350, 750]);
  const lin = levelTable({ formula: "linear", baseXp: 100, multiplier: 1, max: 4 });
  assert.deepEqual(lin.map((l) => l.minXp), [0, 100, 200, 300]);
  assert.equal(levelTable(mee6)[10].name, "Member I");
  assert.equal(levelTable(mee6)[10].benefits, "the Member title");
});

Deno.test("level-ups: several levels at once, the cap, one digest per group, private messages, idempotent", async (t) => {
  await using db = await testDatabase();
  await syncLevels(db.sql, { ...mee6, max: 5 });
  await community(db.sql, { id: -100, title: "Readers" }, [
    { user: 1, xp: 500, startedBot: true, name: "Ana" }, // level 1 → 4 at once
    { user: 2, xp: 99 }, // not yet
    { user: 3, xp: 1_000_000, name: "Max" }, // capped at 5
    ...Array.from({ length: 250 }, (_, i) => ({ user: 1000 + i, xp: 100 })), // many level 2s
  ]);
  await community(db.sql, { id: -200, title: "Writers" }, [{ user: 1, xp: 255 }]);
  const job = levelUpsJob({ batchSize: 100, notify: true });

  await t.step("first run", async () => {
    const r = await runJob(job, db.sql, SLOT);
    assert.equal(r.changed, 253);
    assert.equal(r.details?.batches, 3);
    const levels = await db.sql<
      { chat_id: number; user_id: number; level: number; next_level_xp: number | null }[]
    >`
      SELECT chat_id, user_id, level, next_level_xp FROM members WHERE user_id < 1000 ORDER BY chat_id, user_id`;
    assert.deepEqual(levels.map((m) => [m.chat_id, m.user_id, m.level, m.next_level_xp]), [
      [-200, 1, 3, 475],
      [-100, 1, 4, 770],
      [-100, 2, 1, 100],
      [-100, 3, 5, null],
    ]);
    const messages = await outbox(db.sql);
    const digests = messages.filter((m) => m.dedupe_key.startsWith("level-digest:"));
    assert.deepEqual(
      digests.map((d) => d.chat_id).sort((a, b) => a - b),
      [-200, -100],
      "one digest per group",
    );
    const readers = digests.find((d) => d.chat_id === -100)!.text;
    assert.match(readers, /^🏆 Level-ups in Readers:/);
    assert.match(readers, /• Max → level 5/);
    assert.match(
      readers,
      /\n…and 242 more members$/,
      "a digest stays short however many levelled up",
    );
    const dms = messages.filter((m) => m.dedupe_key.startsWith("level-up-dm:"));
    assert.deepEqual(
      dms.map((m) => m.chat_id),
      [1],
      "only Ana started the bot; one message per chat she levelled in",
    );
    assert.match(
      dms[0].text,
      /^🎉 You reached level 4 — Newcomer IV — in Readers!\nPrevious level: 1 — Newcomer I$/m,
    );
    const [events] = await db.sql`SELECT count(*)::int AS n FROM events WHERE kind = 'level_up'`;
    assert.equal(events.n, 4, "one level_up event per group and batch");
  });

  await t.step("the same slot again: nothing changes, nothing is sent twice", async () => {
    const before = await outbox(db.sql);
    const r = await runJob(job, db.sql, SLOT);
    assert.equal(r.changed, 0);
    assert.deepEqual(await outbox(db.sql), before);
  });

  await t.step("capped members are never due again", async () => {
    await db.sql`UPDATE members SET xp = xp + 1000 WHERE user_id = 3`;
    const r = await runJob(job, db.sql, "2026-05-01T12:00:00Z");
    assert.equal(r.processed, 0);
  });
});

Deno.test("level-ups: a crash inside the transaction leaves neither the change nor the outbox row", async () => {
  await using db = await testDatabase();
  await syncLevels(db.sql, mee6);
  await community(db.sql, { id: -1 }, [{ user: 7, xp: 300, startedBot: true }]);
  const crashing = levelUpsJob({
    batchSize: 100,
    notify: true,
    afterBatch: () => {
      throw new Error("power cut");
    },
  });
  await assert.rejects(runJob(crashing, db.sql, SLOT), /power cut/);
  const [m] = await db.sql`SELECT level FROM members WHERE user_id = 7`;
  assert.equal(m.level, 1);
  assert.deepEqual(await outbox(db.sql), []);
  const [e] = await db.sql`SELECT count(*)::int AS n FROM events`;
  assert.equal(e.n, 0);
  // The retry of the slot does it all, once.
  await runJob(levelUpsJob({ batchSize: 100, notify: true }), db.sql, SLOT);
  assert.equal((await db.sql`SELECT level FROM members WHERE user_id = 7`)[0].level, 3);
  assert.equal((await outbox(db.sql)).length, 2, "the private message and the digest");
});

Deno.test("level-ups with NOTIFY_LEVEL_UP off: levels and events, no messages", async () => {
  await using db = await testDatabase();
  await syncLevels(db.sql, mee6);
  await community(db.sql, { id: -1 }, [{ user: 7, xp: 300, startedBot: true }]);
  await runJob(levelUpsJob({ batchSize: 100, notify: false }), db.sql, SLOT);
  assert.equal((await db.sql`SELECT level FROM members`)[0].level, 3);
  assert.deepEqual(await outbox(db.sql), []);
});

Deno.test("a changed curve recomputes every member's next threshold", async () => {
  await using db = await testDatabase();
  assert.equal(await syncLevels(db.sql, mee6), true);
  await community(db.sql, { id: -1 }, [{ user: 1, level: 2, xp: 120 }]);
  assert.equal(await syncLevels(db.sql, mee6), false, "unchanged: nothing rewritten");
  assert.equal(
    await syncLevels(db.sql, { formula: "linear", baseXp: 50, multiplier: 1, max: 10 }),
    true,
  );
  const [m] = await db.sql`SELECT next_level_xp FROM members`;
  assert.equal(m.next_level_xp, 100);
});

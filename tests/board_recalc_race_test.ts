/**
 * `leaderboard-recalc` when two of its runs meet: a late run of the last slot of a day and the
 * first slot of the next, on two replicas at once, or one after the other out of order. The cache
 * must hold one board per chat and period, the newest slot's.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { leaderboardRecalcJob } from "../domain/boards.ts";
import { testDatabase } from "./db.ts";
import { community, creditLedger, runJob } from "./fakes/community.ts";

const CHAT = -1401;
const LATE = "2026-06-14T23:45:00Z"; // Sunday: the day and the week of 8 June
const NEXT = "2026-06-15T00:00:00Z"; // Monday: a new day and a new week

async function seeded() {
  const db = await testDatabase();
  await community(db.sql, { id: CHAT, title: "Chess club" }, [{ user: 1 }, { user: 2 }]);
  await creditLedger(db.sql, CHAT, [[1, 40, "2026-06-14T20:00:00Z"], [
    2,
    7,
    "2026-06-15T00:00:00Z",
  ]]);
  return db;
}

/** Each cached (period, start) with its rows and when they were computed. */
async function cached(sql: postgres.Sql) {
  const rows = await sql<{ period: string; start: string; n: number; computed: string }[]>`
    SELECT period, to_char(period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS start,
           count(*)::int AS n, to_char(max(computed_at) AT TIME ZONE 'UTC', 'HH24:MI') AS computed
    FROM leaderboard_entries WHERE chat_id = ${CHAT}
    GROUP BY period, period_start ORDER BY period, period_start`;
  return rows.map((r) => `${r.period} ${r.start} ×${r.n} @${r.computed}`);
}

const NEWEST = [
  "all 1970-01-01 ×2 @00:00",
  "day 2026-06-15 ×1 @00:00",
  "month 2026-06-01 ×2 @00:00",
  "week 2026-06-15 ×1 @00:00",
];

Deno.test("leaderboard-recalc: a late run of an older slot leaves the newer slot's boards cached", async () => {
  await using db = await seeded();
  const job = leaderboardRecalcJob();
  await runJob(job, db.sql, NEXT);
  const late = await runJob(job, db.sql, LATE);
  assert.deepEqual(await cached(db.sql), NEWEST);
  assert.equal(late.changed, 0, "the older slot changed nothing");
  await runJob(job, db.sql, NEXT);
  assert.deepEqual(await cached(db.sql), NEWEST, "the same slot again: the same cache");
});

Deno.test("leaderboard-recalc: two replicas across midnight leave one board per period, not two", async () => {
  await using db = await seeded();
  if (db.kind === "embedded") return; // one session at a time: runs cannot overlap there
  const job = leaderboardRecalcJob();
  await runJob(job, db.sql, LATE); // the cache both runs start from
  const [a, b, holder] = [1, 2, 3].map(() => postgres(db.url, { max: 1, onnotice: () => {} }));
  try {
    // Hold the cached rows so both runs are inside their transactions before either writes.
    let release!: () => void;
    const released = new Promise<void>((r) => release = r);
    const held = holder.begin(async (tx) => {
      await tx`SELECT 1 FROM leaderboard_entries FOR UPDATE`;
      await released;
    });
    const runs = [runJob(job, a, LATE), runJob(job, b, NEXT)];
    for (;;) {
      const [{ n }] = await db.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`;
      if (n === 2) break;
    }
    release();
    await held;
    await Promise.all(runs);
  } finally {
    await Promise.all([a.end(), b.end(), holder.end()]);
  }
  assert.deepEqual(await cached(db.sql), NEWEST);
});

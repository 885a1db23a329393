/** Boards at their edges: ties on the live board, a reset run again, the podium's language. */
import assert from "node:assert/strict";
import type { Sql } from "postgres";
import { leaderboardResetJob } from "../domain/board_reset.ts";
import { leaderboardRecalcJob, readBoard } from "../domain/boards.ts";
import { liveBoard } from "../domain/live_board.ts";
import { syncLevels } from "../domain/levels.ts";
import { testDatabase } from "./db.ts";
import { community, creditLedger, runJob } from "./fakes/community.ts";

const CHAT = -300;

const ledger = (sql: Sql, rows: Array<[number, number, string]>) => creditLedger(sql, CHAT, rows);

async function setup() {
  const db = await testDatabase();
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  await community(
    db.sql,
    { id: CHAT, title: "Arena" },
    [1, 2, 3, 4].map((user) => ({ user, name: `P${user}` })),
  );
  return db;
}

Deno.test("/top's live all-time board orders a tie by who reached the score first, as the cached board does", async () => {
  await using db = await setup();
  await ledger(db.sql, [
    [2, 30, "2026-11-20T08:00:00Z"], // P2 reached 30 first
    [1, 30, "2026-11-24T08:00:00Z"], // P1 reached 30 four days later
  ]);
  await runJob(leaderboardRecalcJob(), db.sql, "2026-11-25T12:00:00Z");
  const cached = (await readBoard(db.sql, CHAT, "all", 10)).entries.map((e) => e.userId);
  const live = (await liveBoard(db.sql, CHAT, 10, 99)).entries.map((e) => e.userId);
  assert.deepEqual(cached, [2, 1], "cached board: who reached 30 first is first");
  assert.deepEqual(live, cached, "/top all must order the tie the same way");
});

Deno.test("a weekly reset run again after a hidden member said /show leaves the archived board as it was", async () => {
  await using db = await setup();
  await db.sql`UPDATE members SET hidden = true WHERE chat_id = ${CHAT} AND user_id = 4`;
  await ledger(db.sql, [
    [1, 40, "2026-11-17T10:00:00Z"],
    [2, 30, "2026-11-18T10:00:00Z"],
    [3, 20, "2026-11-19T10:00:00Z"],
    [4, 50, "2026-11-19T11:00:00Z"], // hidden during the week
  ]);
  const reset = leaderboardResetJob("week");
  await runJob(reset, db.sql, "2026-11-23T00:00:00Z");
  // P4 says /show during the new week; the operator reruns the reset ("rerunning is harmless")
  await db.sql`UPDATE members SET hidden = false WHERE chat_id = ${CHAT} AND user_id = 4`;
  await runJob(reset, db.sql, "2026-11-23T00:00:00Z");
  const rows = await db.sql<{ position: number; user_id: number }[]>`
    SELECT position, user_id FROM leaderboard_archive ORDER BY position`;
  assert.deepEqual(rows.map((r) => [r.position, Number(r.user_id)]), [[1, 1], [2, 2], [3, 3]]);
});

Deno.test("a Spanish-speaking group without a language setting gets its podium in Spanish, as its level-up digest", async () => {
  await using db = await setup();
  await db.sql`UPDATE members SET language_code = 'es' WHERE chat_id = ${CHAT}`;
  await ledger(db.sql, [
    [1, 40, "2026-11-17T10:00:00Z"],
    [2, 30, "2026-11-18T10:00:00Z"],
    [3, 20, "2026-11-19T10:00:00Z"],
  ]);
  await runJob(leaderboardResetJob("week"), db.sql, "2026-11-23T00:00:00Z");
  const [m] = await db.sql<{ text: string }[]>`SELECT text FROM outbox`;
  assert.match(m.text, /^🏁 Clasificación final de la semana del 16 de noviembre de 2026:/, m.text);
});

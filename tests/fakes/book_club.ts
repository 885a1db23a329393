/**
 * The API tests' community: a book club with boards and badges (see bookClub), and the app that
 * serves it with ADMIN_TOKEN set.
 */
import { badgeCheckJob, syncBadges } from "../../domain/badges.ts";
import { leaderboardRecalcJob } from "../../domain/boards.ts";
import { syncLevels } from "../../domain/levels.ts";
import { createReadiness } from "../../routes/readiness.ts";
import type { TestDb } from "../db.ts";
import { community, runJob, seedLedger } from "./community.ts";
import { serveApp } from "./http.ts";
import { testRuntime } from "./runtime.ts";

export const TOKEN = "s3cret-admin-token-0123";
export const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
export const CHAT = -1001;
export const QUIET = -1002;
export const NOW = new Date("2026-06-10T12:00:00Z"); // a Wednesday: the week began on 2026-06-08

/**
 * Book club: Ana (60 XP all-time, 10 of them today), Ben (50: 30 early this month, 20 this
 * week), Cai (50 this week, after Ben reached 50) and Dee (no XP); a bot mentioned once; and a
 * quiet chat with nobody. Boards recalculated, then badges checked, at NOW.
 */
export async function bookClub(db: TestDb) {
  const { sql } = db;
  await syncLevels(sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  await syncBadges(sql);
  await community(sql, { id: CHAT, title: "Book club" }, [
    { user: 1, xp: 60, name: "Ana" },
    { user: 2, xp: 50, name: "Ben" },
    { user: 3, xp: 50, name: "Cai" },
    { user: 4, name: "Dee" },
    { user: 77, name: "Helper" },
  ]);
  await community(sql, { id: QUIET, title: "Quiet" }, []);
  await sql`UPDATE members SET is_bot = true WHERE user_id = 77`;
  await sql`UPDATE members SET username = 'ana', messages_count = 42, links_shared = 2, thanks_received = 1
            WHERE user_id = 1`;
  await sql`UPDATE members SET thanks_received = 3, days_active = 2 WHERE user_id = 2`;
  await sql`UPDATE members SET messages_count = 120, thanks_received = 5 WHERE user_id = 3`;
  await sql`INSERT INTO streaks (chat_id, user_id, current, best, last_activity_at, protections)
            VALUES (${CHAT}, 1, 3, 5, ${NOW}, 1)`;
  await sql`INSERT INTO lives (chat_id, user_id, current, max, last_refill_at)
            VALUES (${CHAT}, 1, 2, 5, ${NOW})`;
  await seedLedger(
    sql,
    CHAT,
    ([
      [1, 50, "2026-05-20T10:00:00Z"],
      [1, 10, "2026-06-10T09:00:00Z"],
      [2, 30, "2026-06-02T10:00:00Z"],
      [2, 20, "2026-06-09T10:00:00Z"],
      [3, 50, "2026-06-09T11:00:00Z"],
    ] as const).map(([user, amount, at]) => ({ user, amount, at })),
  );
  await runJob(leaderboardRecalcJob(), sql, NOW);
  await runJob(badgeCheckJob(), sql, NOW);
}

/** The app on `db`; `adminToken: undefined` is a deployment without ADMIN_TOKEN. */
export function app(db: TestDb, { adminToken }: { adminToken?: string } = { adminToken: TOKEN }) {
  const { runtime, clock } = testRuntime([]);
  const readiness = createReadiness({ ping: () => Promise.resolve(), clock });
  return serveApp(runtime, readiness, { adminToken, sql: db.sql, now: () => NOW });
}

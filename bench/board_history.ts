/**
 * `leaderboard-recalc` as history grows: the same members, the same current day, week and
 * month, first with `small` ledger rows and then with `large` (the extra rows older than the
 * current periods, as a community's history is). The job should cost the same: ratio ≈ 1.
 */
import type postgres from "postgres";
import { migrate } from "../db/migrate.ts";
import { leaderboardRecalcJob } from "../domain/boards.ts";
import { syncLevels } from "../domain/levels.ts";
import { SEED_CHAT_BASE, SEED_USER_BASE, seedCommunity } from "../domain/seed.ts";
import { checkpoint, context, timed } from "./measure.ts";

const DAY_MS = 86_400_000;
/** The small ledger covers the last 90 days (so every current period); the growth, 3 years before. */
const RECENT_DAYS = 90;
const HISTORY_DAYS = 3 * 365;
/** Rows per INSERT while growing the ledger: a bounded transaction, however large `large` is. */
const CHUNK = 1_000_000;
/** Runs timed at each size; the fastest counts (the others absorb cold caches). */
const RUNS = 5;

export interface BoardHistoryLine {
  job: "board-history";
  members: number;
  ledger_small: number;
  ledger_large: number;
  seconds_small: number;
  seconds_large: number;
  ratio: number;
}

/**
 * Seeds `members` members (a chat per 1,000) into `sql` (an empty database of its own, as
 * `freshDatabase` gives), times `leaderboard-recalc` with `small` ledger rows, grows the ledger
 * to `large` rows dated before the last 90 days, and times it again. Balances follow the ledger
 * (`members.xp` = the member's ledger sum, as awards keep it).
 *
 * @example
 * await boardHistoryBench(db.sql, { members: 1_000_000, small: 1_000_000, large: 10_000_000 });
 */
export async function boardHistoryBench(
  sql: postgres.Sql,
  o: { members: number; small: number; large: number } = {
    members: 1_000_000,
    small: 1_000_000,
    large: 10_000_000,
  },
): Promise<BoardHistoryLine> {
  if (!(o.members > 0 && o.small >= o.members && o.large > o.small)) {
    throw new RangeError(
      `Cannot bench board history: expected 0 < members ≤ small < large, got ${JSON.stringify(o)}`,
    );
  }
  await migrate(sql);
  await syncLevels(sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  const now = new Date();
  const chats = Math.max(1, Math.ceil(o.members / 1_000));
  await seedCommunity(sql, { members: o.members, chats, now }); // one seed row per member with XP
  const rows = async () =>
    (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM xp_ledger`)[0].n;

  const recentFrom = new Date(now.getTime() - RECENT_DAYS * DAY_MS);
  const recent = { tag: "r", members: o.members, chats };
  await grow(sql, { ...recent, rows: o.small - await rows(), from: recentFrom, to: now });
  await settle(sql);
  const small = await rows();
  const secondsSmall = await fastest(sql, now);

  const historyFrom = new Date(recentFrom.getTime() - HISTORY_DAYS * DAY_MS);
  const history = { tag: "h", members: o.members, chats };
  await grow(sql, { ...history, rows: o.large - small, from: historyFrom, to: recentFrom });
  await settle(sql);
  const large = await rows();
  const secondsLarge = await fastest(sql, now);

  return {
    job: "board-history",
    members: o.members,
    ledger_small: small,
    ledger_large: large,
    seconds_small: +secondsSmall.toFixed(3),
    seconds_large: +secondsLarge.toFixed(3),
    ratio: +(secondsLarge / secondsSmall).toFixed(2),
  };
}

/**
 * `rows` more ledger rows, dated evenly over `[from, to)` in insertion order (a ledger is
 * appended in time), round-robin over the seeded members (row i to member `1 + i % members`,
 * round `k = i / members` paying `1 + k % 7` XP); set-based in chunks. Then the balances are
 * credited as awards credit them, from that formula, without reading the ledger back: member j
 * (0-based) got `K = ⌈(rows - j) / members⌉` rows, `K + 21⌊K/7⌋ + r(r-1)/2` XP with `r = K % 7`.
 */
async function grow(
  sql: postgres.Sql,
  g: { tag: string; members: number; chats: number; rows: number; from: Date; to: Date },
) {
  const step = (g.to.getTime() - g.from.getTime()) / Math.max(1, g.rows);
  for (let done = 0; done < g.rows; done += CHUNK) { // rows ≤ 0: nothing
    const n = Math.min(CHUNK, g.rows - done);
    await sql`
      INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
      SELECT ${SEED_CHAT_BASE}::bigint - (1 + u % ${g.chats}), ${SEED_USER_BASE}::bigint + u,
             1 + ((i / ${g.members}) % 7)::int, 'message', ${g.tag}::text || i,
             ${g.from}::timestamptz + i * ${step}::float8 * interval '1 millisecond'
      FROM generate_series(${done}::bigint, ${done + n - 1}::bigint) i,
           LATERAL (SELECT 1 + i % ${g.members} AS u) m`;
  }
  if (g.rows <= 0) return;
  await sql`
    UPDATE members m SET xp = m.xp + k.n + 21 * (k.n / 7) + (k.n % 7) * (k.n % 7 - 1) / 2
    FROM (
      SELECT u, (${g.rows}::bigint - (u - 1) + ${g.members} - 1) / ${g.members} AS n
      FROM generate_series(1, least(${g.members}, ${g.rows})::bigint) u
    ) k
    WHERE m.chat_id = ${SEED_CHAT_BASE}::bigint - (1 + k.u % ${g.chats})
      AND m.user_id = ${SEED_USER_BASE}::bigint + k.u`;
}

/** Statistics fresh, a checkpoint: the state a 15-minute job meets. */
async function settle(sql: postgres.Sql) {
  await sql`VACUUM ANALYZE members`;
  await sql`VACUUM ANALYZE xp_ledger`;
  await checkpoint(sql);
}

async function fastest(sql: postgres.Sql, now: Date): Promise<number> {
  const job = leaderboardRecalcJob();
  let best = Infinity;
  for (let i = 0; i < RUNS; i++) {
    best = Math.min(best, (await timed(() => job.run(context(sql, now)))).seconds);
  }
  return best;
}

/** `leaderboard-recalc` and `badge-check` against their naive loops and single-statement bounds. */
import type postgres from "postgres";
import type { JobSpec, RunResult } from "../actors/job.ts";
import { migrate } from "../db/migrate.ts";
import { syncLevels } from "../domain/levels.ts";
import { seedCommunity } from "../domain/seed.ts";
import { badgeCheckJob, metricValue, statsFrom, syncBadges } from "../domain/badges.ts";
import {
  BOARD_SIZE,
  leaderboardRecalcJob,
  periodEnd,
  PERIODS,
  periodStart,
} from "../domain/boards.ts";
import {
  checkpoint,
  compare,
  context,
  freshDatabase,
  type Line,
  rssMeter,
  timed,
} from "./measure.ts";

/**
 * `leaderboard-recalc` and `badge-check` on `members` members with ten ledger rows each (a
 * million rows at 100,000), in a database of their own.
 */
export async function competitionBench(
  members: number,
  naiveSample: number,
  concurrency: number,
): Promise<Line[]> {
  const { db, drop } = await freshDatabase();
  try {
    const sql = db.sql;
    await migrate(sql);
    await syncLevels(sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
    await syncBadges(sql);
    const now = new Date();
    await seedCommunity(sql, { members, chats: Math.max(1, Math.ceil(members / 1_000)), now });
    // Nine more ledger rows per member over the last 60 days: ten per member in all.
    await sql`
      INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
      SELECT m.chat_id, m.user_id, 1 + (m.user_id * k) % 7, 'message', 'bench:' || k,
             ${now}::timestamptz - ((m.user_id * 31 + k * 977) % 86400) * interval '1 minute'
      FROM members m, generate_series(1, 9) k`;
    await sql`CREATE TABLE bench_xp AS SELECT chat_id, user_id, xp FROM members`;
    await sql`VACUUM ANALYZE`;
    const [{ rows }] = await sql<{ rows: number }[]>`SELECT count(*)::int AS rows FROM xp_ledger`;
    const lines: Line[] = [];

    /** Warden's job, then the naive loop, then the bound, each on the state `reset` restores. */
    const threeWays = async (
      job: JobSpec,
      prepare: () => Promise<unknown>,
      naive: () => Promise<number>,
      bound: () => Promise<unknown>,
      extra: (result: RunResult) => Record<string, unknown>,
    ) => {
      const reset = async () => {
        await prepare();
        await checkpoint(sql);
      };
      await reset();
      const meter = rssMeter();
      const warden = await timed(() => job.run(context(sql, now)));
      const peak = meter.stop();
      await reset();
      const loop = await timed(naive);
      await reset();
      const floor = await timed(bound);
      return compare(
        job.name,
        members,
        { n: members, seconds: warden.seconds },
        { n: loop.value, seconds: loop.seconds },
        { n: members, seconds: floor.seconds },
        peak,
        { ...extra(warden.value ?? {}), backend: db.kind },
      );
    };
    lines.push(
      await threeWays(
        leaderboardRecalcJob(),
        () => sql`TRUNCATE leaderboard_entries`,
        () => naiveBoards(sql, now, naiveSample),
        () => boundBoards(sql, now),
        () => ({ ledger_rows: rows }),
      ),
    );
    let awardedByBound = 0;
    const badges = await threeWays(
      badgeCheckJob({ concurrency }),
      async () => {
        await sql`TRUNCATE member_badges, outbox`;
        await sql`DELETE FROM xp_ledger WHERE reason = 'badge'`;
        await sql`UPDATE members m SET xp = b.xp FROM bench_xp b
                  WHERE m.chat_id = b.chat_id AND m.user_id = b.user_id AND m.xp <> b.xp`;
      },
      () => naiveBadges(sql, now, naiveSample),
      async () => (awardedByBound = await boundBadges(sql, now)),
      (r) => ({ awarded: r.changed, concurrency }),
    );
    if (awardedByBound !== badges.awarded) {
      throw new Error(`badge-check awarded ${badges.awarded}, the bound ${awardedByBound}`);
    }
    lines.push(badges);
    return lines;
  } finally {
    await drop();
  }
}

/** Seed 002's shape: every player, then each board's score and rank one query at a time, then one insert per entry. */
async function naiveBoards(sql: postgres.Sql, at: Date, sample: number): Promise<number> {
  const players = await sql<
    { chat_id: number; user_id: number }[]
  >`SELECT chat_id, user_id FROM members ORDER BY chat_id, user_id`;
  let done = 0;
  for (const p of players) {
    if (done >= sample) break;
    for (const period of PERIODS) {
      const start = periodStart(period, at);
      const [mine] = await sql<{ score: number; reached: Date | null }[]>`
        SELECT coalesce(sum(amount), 0)::int AS score, max(created_at) AS reached FROM xp_ledger
        WHERE chat_id = ${p.chat_id} AND user_id = ${p.user_id} AND created_at >= ${start} AND created_at < ${
        periodEnd(period, start)
      }`;
      if (mine.score === 0) continue;
      const [above] = await sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM (
          SELECT user_id FROM xp_ledger WHERE chat_id = ${p.chat_id} AND created_at >= ${start} AND created_at < ${
        periodEnd(period, start)
      }
          GROUP BY user_id HAVING sum(amount) > ${mine.score}) t`;
      if (above.n >= BOARD_SIZE) continue;
      await sql`
        INSERT INTO leaderboard_entries (chat_id, period, period_start, position, rank, user_id, score, reached_at, computed_at)
        VALUES (${p.chat_id}, ${period}, ${start}, ${10_000 + done}, ${
        above.n + 1
      }, ${p.user_id}, ${mine.score}, ${mine.reached}, ${at})
        ON CONFLICT DO NOTHING`;
    }
    done++;
  }
  return done;
}

async function boundBoards(sql: postgres.Sql, at: Date) {
  const parts = PERIODS.map((period) => {
    const start = periodStart(period, at);
    return sql`
      SELECT chat_id, ${period}::text AS period, ${start}::timestamptz AS period_start, position, rank, user_id, score, reached_at
      FROM (
        SELECT chat_id, user_id, score, reached_at,
               rank() OVER (PARTITION BY chat_id ORDER BY score DESC)::int AS rank,
               row_number() OVER (PARTITION BY chat_id ORDER BY score DESC, reached_at, user_id)::int AS position
        FROM (SELECT chat_id, user_id, sum(amount) AS score, max(created_at) AS reached_at FROM xp_ledger
              WHERE created_at >= ${start} AND created_at < ${
      periodEnd(period, start)
    } GROUP BY chat_id, user_id) s
      ) r WHERE position <= ${BOARD_SIZE}`;
  });
  await sql`
    INSERT INTO leaderboard_entries (chat_id, period, period_start, position, rank, user_id, score, reached_at, computed_at)
    SELECT *, ${at} FROM (${parts[0]} UNION ALL ${parts[1]} UNION ALL ${parts[2]} UNION ALL ${
    parts[3]
  }) b`;
}

/** Seed 001's shape: every user, every badge checked, awarded and paid one row at a time. */
async function naiveBadges(sql: postgres.Sql, at: Date, sample: number): Promise<number> {
  const users = await sql<
    {
      chat_id: number;
      user_id: number;
      messages_count: number;
      links_shared: number;
      thanks_received: number;
      level: number;
      xp: number;
      days_active: number;
    }[]
  >`SELECT chat_id, user_id, messages_count, links_shared, thanks_received, level, xp, days_active FROM members ORDER BY chat_id, user_id`;
  const badges = await sql<
    { id: string; metric: string; threshold: number; bonus_xp: number }[]
  >`SELECT * FROM badges`;
  let done = 0;
  for (const u of users) {
    if (done >= sample) break;
    const [s] = await sql<
      { best: number }[]
    >`SELECT coalesce(max(best), 0)::int AS best FROM streaks WHERE chat_id = ${u.chat_id} AND user_id = ${u.user_id}`;
    const values: Record<string, number> = {
      messages: u.messages_count,
      links_shared: u.links_shared,
      thanks_received: u.thanks_received,
      level: u.level,
      xp: u.xp,
      best_streak: s.best,
      days_active: u.days_active,
    };
    for (const b of badges) {
      if (values[b.metric] < b.threshold) continue;
      const has =
        await sql`SELECT 1 FROM member_badges WHERE chat_id = ${u.chat_id} AND user_id = ${u.user_id} AND badge_id = ${b.id}`;
      if (has.length) continue;
      await sql`INSERT INTO member_badges (chat_id, user_id, badge_id, awarded_at) VALUES (${u.chat_id}, ${u.user_id}, ${b.id}, ${at})`;
      await sql`INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
                VALUES (${u.chat_id}, ${u.user_id}, ${b.bonus_xp}, 'badge', ${b.id}, ${at})`;
      await sql`UPDATE members SET xp = xp + ${b.bonus_xp} WHERE chat_id = ${u.chat_id} AND user_id = ${u.user_id}`;
    }
    done++;
  }
  return done;
}

/**
 * The lower bound: the same state change as one bare statement (the awards, their bonus XP in
 * the ledger and on the balance), without the once-only guards or the digest.
 */
async function boundBadges(sql: postgres.Sql, at: Date): Promise<number> {
  const [r] = await sql<{ awarded: number }[]>`
    WITH earned AS (
      INSERT INTO member_badges (chat_id, user_id, badge_id, awarded_at)
      SELECT st.chat_id, st.user_id, b.id, ${at}
      FROM (${statsFrom(sql)}) st CROSS JOIN badges b
      WHERE ${metricValue(sql)} >= b.threshold
      RETURNING chat_id, user_id, badge_id
    ), bonus AS (
      INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
      SELECT e.chat_id, e.user_id, b.bonus_xp, 'badge', e.badge_id, ${at}
      FROM earned e JOIN badges b ON b.id = e.badge_id WHERE b.bonus_xp > 0
      RETURNING chat_id, user_id, amount
    ), credited AS (
      UPDATE members m SET xp = m.xp + t.amount
      FROM (SELECT chat_id, user_id, sum(amount) AS amount FROM bonus GROUP BY chat_id, user_id) t
      WHERE m.chat_id = t.chat_id AND m.user_id = t.user_id
    )
    SELECT count(*)::int AS awarded FROM earned`;
  return r.awarded;
}

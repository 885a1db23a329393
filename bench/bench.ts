/**
 * `deno task bench [--members N] [--batch B] [--json]`: seeds N members in a fresh database
 * (a new one on the `DATABASE_URL` server, else embedded PGlite in a temp dir) and measures
 * `level-ups` three ways on identical data: Warden's job, a naive per-member loop (what seed
 * 000's code does), and one bare UPDATE (the lower bound). Prints ratios, not verdicts.
 */
import postgres from "postgres";
import { type JobContext, type JobSpec, type RunResult, standaloneContext } from "../actors/job.ts";
import { createLogger } from "../actors/log.ts";
import { systemClock } from "../actors/clock.ts";
import { type Database, openDatabase } from "../db/connect.ts";
import { migrate } from "../db/migrate.ts";
import { levelUpsJob } from "../domain/level_ups.ts";
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
import { Bot } from "grammy";
import { createDelivery } from "../bot/delivery.ts";
import { botApiDouble } from "../tests/fakes/bot_api.ts";

interface Args {
  boardMembers: number;
  rows: number;
  budget: number;
  members: number;
  batch: number;
  naiveSample: number;
  concurrency: number;
  json: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    members: 100_000,
    batch: 5_000,
    naiveSample: 20_000,
    concurrency: 2,
    json: false,
    rows: 10_000,
    budget: 1_000,
    boardMembers: 100_000,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) {
        throw new Error(`${a} expects a positive whole number, got "${argv[i]}"`);
      }
      return v;
    };
    if (a === "--members") args.members = value();
    else if (a === "--batch") args.batch = value();
    else if (a === "--naive-sample") args.naiveSample = value();
    else if (a === "--concurrency") args.concurrency = value();
    else if (a === "--rows") args.rows = value();
    else if (a === "--budget") args.budget = value();
    else if (a === "--board-members") args.boardMembers = value();
    else if (a === "--json") args.json = true;
    else {
      throw new Error(
        `unknown option ${a}; expected --members N, --batch B, --concurrency C, --naive-sample S, --rows R, --budget PER_S, ` +
          `--board-members M, --json`,
      );
    }
  }
  return args;
}

/** Samples this process's RSS while the bench runs. */
function rssMeter() {
  let peak = Deno.memoryUsage().rss;
  // (rss is the whole process: with embedded PGlite that includes the database itself)
  const timer = setInterval(() => (peak = Math.max(peak, Deno.memoryUsage().rss)), 25);
  return {
    stop() {
      clearInterval(timer);
      return Math.round(Math.max(peak, Deno.memoryUsage().rss) / 2 ** 20);
    },
  };
}

async function freshDatabase(): Promise<{ db: Database; drop(): Promise<void> }> {
  const server = Deno.env.get("DATABASE_URL");
  if (server) {
    const admin = postgres(server, { max: 1, onnotice: () => {} });
    const name = `warden_bench_${crypto.randomUUID().slice(0, 8)}`;
    await admin.unsafe(`CREATE DATABASE "${name}"`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    const db = await openDatabase({ url: url.toString(), max: 4 });
    return {
      db,
      async drop() {
        await db.close();
        await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end();
      },
    };
  }
  const dir = await Deno.makeTempDir({ prefix: "warden-bench-" });
  const db = await openDatabase({ dataDir: dir });
  return {
    db,
    async drop() {
      await db.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function context(db: postgres.Sql, slot: Date): JobContext {
  return standaloneContext({ db, clock: systemClock(), scheduledFor: slot, trigger: "manual" });
}

/** Puts every member back to the state after seeding, and empties what runs write. */
async function restore(sql: postgres.Sql) {
  await sql`UPDATE members m SET level = b.level, next_level_xp = b.next_level_xp
            FROM bench_members b
            WHERE m.chat_id = b.chat_id AND m.user_id = b.user_id
              AND (m.level, m.next_level_xp) IS DISTINCT FROM (b.level, b.next_level_xp)`;
  await sql`TRUNCATE events, outbox`;
  await sql`VACUUM ANALYZE members`;
  await checkpoint(sql);
}

/**
 * Starts each measured phase right after a checkpoint, as a job that runs every few hours
 * does: every page it first writes then costs a full-page image in the WAL. Without this, a
 * phase pays for them or not depending on when the server last checkpointed.
 */
async function checkpoint(sql: postgres.Sql) {
  await sql`CHECKPOINT`.catch(() => {}); // needs rights the bench's own database may not give
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Seed 000's shape: load every member, then check and update one at a time. In key order, so
 * the sample is like the whole (heap order would put the rows a restore rewrote last).
 */
async function naiveLevelUps(sql: postgres.Sql, sample: number): Promise<number> {
  const all = await sql<
    { chat_id: number; user_id: number; xp: number; level: number; started_bot: boolean }[]
  >`
    SELECT chat_id, user_id, xp, level, started_bot FROM members ORDER BY chat_id, user_id`;
  let done = 0;
  for (const m of all) {
    if (done >= sample) break;
    const [target] = await sql<{ number: number; name: string }[]>`
      SELECT number, name FROM levels WHERE min_xp <= ${m.xp} ORDER BY min_xp DESC LIMIT 1`;
    done++;
    if (!target || target.number <= m.level) continue;
    const [next] = await sql<{ min_xp: number }[]>`SELECT min_xp FROM levels WHERE number = ${
      target.number + 1
    }`;
    await sql`UPDATE members SET level = ${target.number}, next_level_xp = ${
      next?.min_xp ?? null
    }, updated_at = now()
              WHERE chat_id = ${m.chat_id} AND user_id = ${m.user_id}`;
    if (m.started_bot) {
      await sql`INSERT INTO outbox (chat_id, text, dedupe_key)
                VALUES (${m.user_id}, ${`You reached level ${target.name}`}, ${`naive:${m.chat_id}:${m.user_id}:${target.number}`})
                ON CONFLICT (dedupe_key) DO NOTHING`;
    }
  }
  return done;
}

/** The lower bound: the same level change as one statement, nothing else. */
async function boundLevelUps(sql: postgres.Sql): Promise<number> {
  const r = await sql`
    UPDATE members m SET level = t.number, next_level_xp = nx.min_xp, updated_at = now()
    FROM members d
    CROSS JOIN LATERAL (SELECT number FROM levels WHERE min_xp <= d.xp ORDER BY min_xp DESC LIMIT 1) t
    LEFT JOIN levels nx ON nx.number = t.number + 1
    WHERE d.xp >= d.next_level_xp AND m.chat_id = d.chat_id AND m.user_id = d.user_id`;
  return r.count;
}

/**
 * Outbox delivery against the Bot API double on loopback (its limits off), with Warden's
 * pacing set to `budget` messages a second: the rate achieved, as a share of the budget.
 */
async function deliveryBench(sql: postgres.Sql, rows: number, budget: number) {
  await using api = botApiDouble({ limits: false });
  const bot = new Bot("123456:BENCH", { client: { apiRoot: api.apiRoot } });
  await sql`TRUNCATE outbox`;
  await sql`
    INSERT INTO outbox (chat_id, text, dedupe_key)
    SELECT 1 + g % 1000, 'bench message ' || g, 'bench:' || g FROM generate_series(1, ${rows}) g`;
  const delivery = createDelivery({
    sql,
    clock: systemClock(),
    log: createLogger({ level: "silent" }),
    send: (chat, text) => bot.api.sendMessage(chat, text),
    limits: { globalPerSecond: budget, perChatPerSecond: budget, perGroupPerMinute: budget * 60 },
    node: "bench",
    batch: Math.max(200, budget),
    concurrency: 16,
  });
  const signal = new AbortController().signal;
  const t0 = performance.now();
  let sent = 0;
  while (sent < rows) {
    const claimed = await delivery.claim();
    if (claimed.length === 0) break;
    sent += await delivery.deliver(claimed, signal);
  }
  const seconds = (performance.now() - t0) / 1000;
  if (api.sent.length !== rows) throw new Error(`delivery sent ${api.sent.length} of ${rows}`);
  return { rows, budget, seconds, perS: rows / seconds };
}

/** One comparison line: Warden against the naive loop and the single-statement bound. */
interface Line {
  job: string;
  members: number;
  warden_per_s: number;
  naive_per_s: number;
  bound_per_s: number;
  vs_naive: number;
  vs_bound: number;
  peak_rss_mb: number;
  [extra: string]: unknown;
}

function compare(
  job: string,
  members: number,
  warden: { n: number; seconds: number },
  naive: { n: number; seconds: number },
  bound: { n: number; seconds: number },
  peakRss: number,
  extra: Record<string, unknown>,
): Line {
  const w = warden.n / warden.seconds;
  const n = naive.n / naive.seconds;
  const b = bound.n / bound.seconds;
  return {
    job,
    members,
    warden_per_s: Math.round(w),
    naive_per_s: Math.round(n),
    bound_per_s: Math.round(b),
    vs_naive: +(w / n).toFixed(1),
    vs_bound: +(b / w).toFixed(2),
    peak_rss_mb: peakRss,
    warden_s: +warden.seconds.toFixed(2),
    bound_s: +bound.seconds.toFixed(2),
    naive_sample: naive.n,
    ...extra,
  };
}

function print(line: Line, json: boolean) {
  if (json) return console.log(JSON.stringify(line));
  const {
    job,
    members,
    warden_per_s,
    naive_per_s,
    bound_per_s,
    vs_naive,
    vs_bound,
    peak_rss_mb,
    ...rest
  } = line;
  console.log(
    `${job} members=${members} warden_per_s=${warden_per_s} naive_per_s=${naive_per_s} bound_per_s=${bound_per_s} ` +
      `vs_naive=${vs_naive}x vs_bound=${vs_bound}x peak_rss_mb=${peak_rss_mb}  (${
        Object.entries(rest).map(([k, v]) => `${k}=${v}`).join(" ")
      })`,
  );
}

/**
 * `leaderboard-recalc` and `badge-check` on `members` members with ten ledger rows each (a
 * million rows at 100,000), in a database of their own.
 */
async function competitionBench(
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

async function main() {
  const args = parseArgs(Deno.args);
  const { db, drop } = await freshDatabase();
  try {
    const sql = db.sql;
    await migrate(sql);
    await syncLevels(sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
    const seeded = await timed(() =>
      seedCommunity(sql, {
        members: args.members,
        chats: Math.max(1, Math.ceil(args.members / 1_000)),
        now: new Date(),
      })
    );
    // Every member with XP owes a level-up: the heaviest case for the job.
    await sql`UPDATE members SET level = 1, next_level_xp = 100`;
    await sql`CREATE TABLE bench_members AS SELECT chat_id, user_id, level, next_level_xp FROM members`;
    await sql`VACUUM ANALYZE`;
    const [{ due }] = await sql<
      { due: number }[]
    >`SELECT count(*)::int AS due FROM members WHERE xp >= next_level_xp`;

    await restore(sql);
    const job = levelUpsJob({ batchSize: args.batch, notify: true, concurrency: args.concurrency });
    const meter = rssMeter(); // Warden's own footprint: measured while its job runs
    const warden = await timed(() => job.run(context(sql, new Date())));
    const peakRss = meter.stop();
    const wardenChanged = warden.value?.changed ?? 0;

    await restore(sql);
    const naive = await timed(() => naiveLevelUps(sql, Math.min(args.naiveSample, args.members)));

    await restore(sql);
    const bound = await timed(() => boundLevelUps(sql));

    const line = compare(
      "level-ups",
      args.members,
      { n: wardenChanged, seconds: warden.seconds },
      { n: naive.value, seconds: naive.seconds },
      { n: bound.value, seconds: bound.seconds },
      peakRss,
      {
        backend: db.kind,
        due,
        batch: args.batch,
        concurrency: args.concurrency,
        seed_s: +seeded.seconds.toFixed(1),
      },
    );
    if (wardenChanged !== bound.value) {
      throw new Error(
        `the job changed ${wardenChanged} members but the bound changed ${bound.value}: not the same work`,
      );
    }
    const d = await deliveryBench(sql, args.rows, args.budget);
    const competition = await competitionBench(
      Math.min(args.boardMembers, args.members),
      Math.min(args.naiveSample, 5_000),
      args.concurrency,
    );
    const deliveryLine = {
      job: "outbox-delivery",
      rows: d.rows,
      budget_per_s: d.budget,
      achieved_per_s: Math.round(d.perS),
      of_budget: +(d.perS / d.budget).toFixed(3),
      seconds: +d.seconds.toFixed(2),
    };
    if (args.json) {
      print(line, true);
      for (const l of competition) print(l, true);
      console.log(JSON.stringify(deliveryLine));
    } else {
      print(line, false);
      for (const l of competition) print(l, false);
      console.log(
        `outbox-delivery rows=${deliveryLine.rows} budget_per_s=${deliveryLine.budget_per_s} ` +
          `achieved_per_s=${deliveryLine.achieved_per_s} of_budget=${
            (deliveryLine.of_budget * 100).toFixed(1)
          }% ` +
          `(${deliveryLine.seconds}s)`,
      );
    }
  } finally {
    await drop();
  }
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    console.error(`bench failed: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}

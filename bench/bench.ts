/**
 * `deno task bench [--members N] [--batch B] [--concurrency C] [--json] …`: seeds N members in a
 * fresh database (a new one on the `DATABASE_URL` server, else embedded PGlite in a temp dir)
 * and measures `level-ups` three ways on identical data: Warden's job, a naive per-member loop
 * (what seed 000's code does), and one bare UPDATE (the lower bound); then `leaderboard-recalc`
 * and `badge-check` the same three ways (`competition.ts`), and outbox delivery against its
 * budget (`delivery.ts`). Prints ratios, not verdicts.
 */
import { migrate } from "../db/migrate.ts";
import { levelUpsJob } from "../domain/level_ups.ts";
import { syncLevels } from "../domain/levels.ts";
import { seedCommunity } from "../domain/seed.ts";
import { competitionBench } from "./competition.ts";
import { deliveryBench } from "./delivery.ts";
import { boundLevelUps, naiveLevelUps, restore } from "./level_ups.ts";
import { compare, context, freshDatabase, print, rssMeter, timed } from "./measure.ts";

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

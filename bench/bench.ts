/**
 * `deno task bench [--members N] [--batch B] [--concurrency C] [--json] …`: seeds N members in a
 * fresh database (a new one on the `DATABASE_URL` server, else embedded PGlite in a temp dir)
 * and measures `level-ups` three ways on identical data: Warden's job, a naive per-member loop
 * (what seed 000's code does), and one bare UPDATE (the lower bound); then `leaderboard-recalc`
 * and `badge-check` the same three ways (`competition.ts`), and outbox delivery against its
 * budget (`delivery.ts`), `retention-cleanup` against one bare DELETE (`retention.ts`), and
 * `case-closure` against one bare INSERT of the same rewards (`case_closure.ts`), and the
 * dashboard's jobs page against `GET /health/tasks` (`dashboard.ts`).
 * Prints ratios, not verdicts.
 */
import "../actors/process_warnings.ts"; // first: see there
import { migrate } from "../db/migrate.ts";
import { levelUpsJob } from "../domain/level_ups.ts";
import { syncLevels } from "../domain/levels.ts";
import { seedCommunity } from "../domain/seed.ts";
import { caseClosureBench } from "./case_closure.ts";
import { competitionBench } from "./competition.ts";
import { dashboardBench } from "./dashboard.ts";
import { deliveryBench } from "./delivery.ts";
import { retentionBench } from "./retention.ts";
import { boundLevelUps, naiveLevelUps, restore } from "./level_ups.ts";
import { compare, context, freshDatabase, print, rssMeter, timed } from "./measure.ts";
import { ArgsError } from "../cli_args.ts";
import { parseBenchArgs, USAGE } from "./options.ts";
import { laterPhases } from "./phases.ts";

async function main() {
  const a = parseBenchArgs(Deno.args);
  if (!a) return console.log(USAGE);
  const args = {
    ...a,
    naiveSample: a["naive-sample"],
    boardMembers: a["board-members"],
    retentionRows: a["retention-rows"],
    caseParticipants: a["case-participants"],
    caseArguments: a["case-arguments"],
    dashboardJobs: a["dashboard-jobs"],
    dashboardRuns: a["dashboard-runs"],
  };
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
    const retention = await retentionBench(sql, args.retentionRows);
    const cases = await caseClosureBench(sql, args.caseParticipants, args.caseArguments);
    const dashboard = await dashboardBench(sql, args.dashboardJobs, args.dashboardRuns);
    const later = await laterPhases(a);
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
      console.log(JSON.stringify(retention));
      console.log(JSON.stringify(cases));
      console.log(JSON.stringify(dashboard));
      for (const l of later) console.log(JSON.stringify(l.line));
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
      console.log(
        `retention-cleanup rows=${retention.rows} warden_per_s=${retention.warden_per_s} ` +
          `bound_per_s=${retention.bound_per_s} vs_bound=${retention.vs_bound} ` +
          `longest_lock_ms=${retention.longest_lock_ms} bound_lock_ms=${retention.bound_lock_ms}`,
      );
      console.log(
        `case-closure participants=${cases.participants} arguments=${cases.arguments} ` +
          `rewards=${cases.rewards} warden_per_s=${cases.warden_per_s} bound_per_s=${cases.bound_per_s} ` +
          `vs_bound=${cases.vs_bound} (${cases.seconds}s)`,
      );
      console.log(
        `dashboard jobs=${dashboard.jobs} runs_per_job=${dashboard.runs_per_job} ` +
          `page_ms_p50=${dashboard.page_ms_p50} page_ms_p95=${dashboard.page_ms_p95} ` +
          `tasks_ms_p50=${dashboard.tasks_ms_p50} vs_tasks=${dashboard.vs_tasks}`,
      );
      for (const l of later) console.log(l.text);
    }
  } finally {
    await drop();
  }
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    if (error instanceof ArgsError) {
      // Bad input, as every command says it: one line naming it, exit 64.
      console.error(`bench: ${error.message} (--help for usage)`);
      Deno.exit(64);
    }
    console.error(`bench failed: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}

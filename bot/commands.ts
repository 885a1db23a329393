import { Composer } from "grammy";
import type postgres from "postgres";
import type { Runtime } from "../actors/runtime.ts";
import { badgeProgress } from "../domain/badges.ts";
import { BOARD_SIZE, type BoardEntry, type Period, PERIODS, readBoard } from "../domain/boards.ts";
import { LIFE_PERIOD_MINUTES } from "../domain/life_regen.ts";
import { type MemberProfile, memberProfile } from "../domain/profile.ts";

export interface CommandDeps {
  sql: postgres.Sql;
  /** The runtime, once it exists (the bot is made before it). */
  runtime: () => Runtime | undefined;
  adminUserIds: readonly number[];
}

/** A progress bar like `▰▰▰▱▱▱▱▱▱▱ 30%`. */
export function progressBar(fraction: number, width = 10): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return `${"▰".repeat(full)}${"▱".repeat(width - full)} ${Math.round(f * 100)}%`;
}

/** How many places `/top` shows. */
const TOP_SIZE = 10;
const MEDALS = ["🥇", "🥈", "🥉"];
const PERIOD_LABEL: Record<Period, string> = {
  all: "all time",
  month: "this month",
  week: "this week",
  day: "today",
};
const TOP_USAGE = `Usage: /top [${[...PERIODS].reverse().join("|")}] (also /leaderboard, /rank)`;

function rankText(rank: number | null): string {
  return rank === null ? "not ranked" : `#${rank}`;
}

function profileText(p: MemberProfile): string {
  const head = `👤 ${p.name}${p.username ? ` (@${p.username})` : ""}`;
  const level = `Level ${p.level}${p.levelName ? ` — ${p.levelName}` : ""}`;
  const next = p.nextLevelXp === null
    ? "Top level reached"
    : `${progressBar(p.progress)} · ${p.nextLevelXp - p.xp} XP to level ${p.level + 1}`;
  return [
    head,
    `${level} · ${p.xp} XP`,
    next,
    `💬 ${p.counters.messages} messages · 🔗 ${p.counters.links} links · 🤝 ${p.counters.thanksReceived} thanks`,
    `🔥 Streak ${p.streak.current} days (best ${p.streak.best}, ${p.streak.protections} protections)`,
    `❤️ Lives ${p.lives.current}/${p.lives.max}`,
    `🏆 All-time: ${rankText(p.rank.all)} · This week: ${rankText(p.rank.week)}`,
    `🎖 ${p.badges} ${p.badges === 1 ? "badge" : "badges"}`,
  ].join("\n");
}

/** A cached board as a message: medals for the podium, and the caller's place below the top. */
function boardText(period: Period, entries: BoardEntry[], userId: number, size: number): string {
  if (entries.length === 0) {
    return `🏆 Nobody on the board for ${PERIOD_LABEL[period]} yet: chat to get on it!`;
  }
  const line = (e: BoardEntry) =>
    `${MEDALS[e.rank - 1] ?? `${e.rank}.`} ${e.name || `user ${e.userId}`} — ${e.score} XP`;
  const top = entries.slice(0, size);
  const lines = [`🏆 Leaderboard — ${PERIOD_LABEL[period]}`, ...top.map(line)];
  if (!top.some((e) => e.userId === userId)) {
    const mine = entries.find((e) => e.userId === userId);
    lines.push(
      mine ? `…\nYou: #${mine.rank} with ${mine.score} XP` : "You are not on this board yet.",
    );
  }
  return lines.join("\n");
}

/** `/badges`: what the member earned, then progress toward the rest. */
function badgesText(
  progress: NonNullable<Awaited<ReturnType<typeof badgeProgress>>>,
): string {
  const earned = progress.badges.filter((b) => b.earned);
  const rest = progress.badges.filter((b) => !b.earned);
  return [
    `🎖 Your badges: ${progress.earned}/${progress.total}`,
    ...(earned.length ? [earned.map((b) => `${b.emoji} ${b.name}`).join(" · ")] : []),
    ...(rest.length
      ? ["Next up:", ...rest.map((b) => `${b.emoji} ${b.name} — ${b.progress}`)]
      : []),
  ].join("\n");
}

/**
 * `/start`, `/help`, `/profile [@user]`, `/top [period]` (`/leaderboard`, `/rank`), `/badges`,
 * `/streak`, `/lives`, and the admin commands.
 */
export function commands(deps: CommandDeps) {
  const { sql } = deps;
  const c = new Composer();

  c.command("start", async (ctx) => {
    // Only a /start in private proves the bot may write to the member; in a group it does not.
    if (ctx.from && ctx.chat?.type === "private") {
      await sql.begin(async (tx) => {
        await tx`INSERT INTO bot_users (user_id) VALUES (${
          ctx.from!.id
        }) ON CONFLICT (user_id) DO NOTHING`;
        await tx`UPDATE members SET started_bot = true, unreachable = false WHERE user_id = ${
          ctx.from!.id
        }`;
      });
    }
    await ctx.reply(
      "👋 Hi! I'm Warden. Chat in your groups to earn XP; I'll tell you here when you level up or your streak needs you.\nTry /help.",
    );
  });

  c.command("help", (ctx) =>
    ctx.reply(
      [
        "/profile [@user] — level, XP, progress, streak, lives, rank and badges",
        "/top [day|week|month|all] — the leaderboard (also /leaderboard, /rank)",
        "/badges — your badges and progress toward the rest",
        "/streak — your streak and protections",
        "/lives — your lives and when the next one comes back",
        "/case [number] — the open dilemma cases, or one; /verify <number> — check its verdict",
        "/propose <dilemma> — propose a case; /wallet <address> — link a wallet (in private)",
        "XP: 1 per message, 3 with a link, 5 to each member you thank (reply or @mention).",
        ...(ctx.from && deps.adminUserIds.includes(ctx.from.id)
          ? ["Admins: /jobs, /run <job>, /pause <job>, /resume <job>"]
          : []),
      ].join("\n"),
    ));

  c.command("profile", async (ctx) => {
    if (!ctx.from || !ctx.chat) return;
    const arg = ctx.match.trim();
    const who = arg.startsWith("@") ? { username: arg.slice(1) } : ctx.from.id;
    const p = await memberProfile(sql, ctx.chat.id, who);
    await ctx.reply(
      p ? profileText(p) : `No profile for ${arg || "you"} in this chat yet: say something first!`,
    );
  });

  c.command(["top", "leaderboard", "rank"], async (ctx) => {
    if (!ctx.from || !ctx.chat) return;
    const arg = ctx.match.trim().toLowerCase() || "all";
    if (!PERIODS.includes(arg as Period)) return void (await ctx.reply(TOP_USAGE));
    const period = arg as Period;
    // the whole cached board (≤ 100 rows), to find the caller below the top ten
    const board = await readBoard(sql, ctx.chat.id, period, BOARD_SIZE);
    await ctx.reply(boardText(period, board.entries, ctx.from.id, TOP_SIZE));
  });

  c.command("badges", async (ctx) => {
    if (!ctx.from || !ctx.chat) return;
    const progress = await badgeProgress(sql, ctx.chat.id, ctx.from.id);
    await ctx.reply(
      progress ? badgesText(progress) : "No badges yet: say something first, then try again!",
    );
  });

  c.command("streak", async (ctx) => {
    if (!ctx.from || !ctx.chat) return;
    const [s] = await sql<
      { current: number; best: number; protections: number; last_activity_at: Date }[]
    >`
      SELECT current, best, protections, last_activity_at FROM streaks
      WHERE chat_id = ${ctx.chat.id} AND user_id = ${ctx.from.id}`;
    await ctx.reply(
      s
        ? `🔥 ${s.current} days in a row (best ${s.best}). Protections held: ${s.protections}/2. ` +
          `Keep it alive: be active before ${
            new Date(s.last_activity_at.getTime() + 48 * 3_600_000).toISOString()
          }.`
        : "No streak yet: be active today to start one.",
    );
  });

  c.command("lives", async (ctx) => {
    if (!ctx.from || !ctx.chat) return;
    const [l] = await sql<{ current: number; max: number; last_refill_at: Date }[]>`
      SELECT current, max, last_refill_at FROM lives WHERE chat_id = ${ctx.chat.id} AND user_id = ${ctx.from.id}`;
    if (!l) return void (await ctx.reply("❤️ 5/5 lives."));
    const next = l.current < l.max
      ? ` Next life at ${
        new Date(l.last_refill_at.getTime() + LIFE_PERIOD_MINUTES * 60_000).toISOString()
      }.`
      : "";
    await ctx.reply(`❤️ ${l.current}/${l.max} lives.${next}`);
  });

  const admin = c.filter((ctx) => !!ctx.from && deps.adminUserIds.includes(ctx.from.id));
  const refuse = (ctx: { reply(text: string): Promise<unknown> }) =>
    ctx.reply("Sorry, only Warden's admins can do that.");
  for (const name of ["jobs", "run", "pause", "resume"]) {
    c.command(name, async (ctx, next) => {
      if (ctx.from && deps.adminUserIds.includes(ctx.from.id)) return await next();
      await refuse(ctx);
    });
  }
  admin.command("jobs", async (ctx) => {
    const runtime = deps.runtime();
    if (!runtime) return void (await ctx.reply("No jobs run in this process."));
    const lines = (await runtime.tasks()).map((t) =>
      `${
        t.status === "failed" ? "🔴" : t.stale ? "🟠" : t.paused ? "⏸" : "🟢"
      } ${t.name}: ${t.status}` +
      (t.lastRun ? `, last ${t.lastRun.outcome} ${t.lastRun.finishedAt}` : ", never ran")
    );
    await ctx.reply(lines.join("\n"));
  });
  for (const verb of ["run", "pause", "resume"] as const) {
    admin.command(verb, async (ctx) => {
      const runtime = deps.runtime();
      const name = ctx.match.trim();
      if (!runtime) return void (await ctx.reply("No jobs run in this process."));
      if (!runtime.names().includes(name)) {
        return void (await ctx.reply(`Usage: /${verb} <job>. Jobs: ${runtime.names().join(", ")}`));
      }
      if (verb === "run") await ctx.reply(`▶️ ${name} queued (run ${runtime.trigger(name)}).`);
      else {
        await (verb === "pause" ? runtime.pause(name) : runtime.resume(name));
        await ctx.reply(
          `${verb === "pause" ? "⏸ paused" : "▶️ resumed"} ${name} on every replica.`,
        );
      }
    });
  }
  return c;
}

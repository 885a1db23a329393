import { type Context, InlineKeyboard } from "grammy";
import { Composer } from "grammy";
import type postgres from "postgres";
import type { Runtime } from "../actors/runtime.ts";
import { livesAsOf, streakAsOf } from "../domain/activity.ts";
import { badgeProgress } from "../domain/badges.ts";
import { BOARD_SIZE } from "../domain/boards.ts";
import { currentBoard } from "../domain/current_board.ts";
import type { Language } from "../domain/i18n.ts";
import { LIFE_PERIOD_MINUTES } from "../domain/life_regen.ts";
import { hiddenIn, liveBoard, memberGroups, sharedGroups } from "../domain/live_board.ts";
import { t } from "../domain/messages.ts";
import { clipped } from "../domain/one_line.ts";
import { DEFAULT_LIVES, memberProfile } from "../domain/profile.ts";
import { DEFAULT_XP, displayName, type XpAmounts } from "../domain/xp_rules.ts";
import { boardPeriod, quoted } from "./command_args.ts";
import { answer, languageFor } from "./lang.ts";
import { badgesText, boardText, livesText, profileText, streakText } from "./member_texts.ts";
import { operatorCommands } from "./operator.ts";
import type { MenuCommand } from "./setup.ts";
import { namedTarget, repliedMember } from "./targets.ts";

export { progressBar } from "./member_texts.ts";

export interface CommandDeps {
  sql: postgres.Sql;
  /** The runtime, once it exists (the bot is made before it). */
  runtime: () => Runtime | undefined;
  adminUserIds: readonly number[];
  /** What /help and the welcome say a message, a link and a thanks pay. */
  xp?: XpAmounts;
  now?: () => Date;
}

/**
 * Each command of the members' menu, and whether it is about the one who asks. Sent as a chat (an
 * anonymous admin, a channel) Telegram does not say who asked, so `sent_as_chat.ts` answers these
 * with how to ask instead. A command added to the menu is a type error here until it is placed.
 * `/quiz` and `/wallet` are about the asker too, but only in private, where no one posts as a chat
 * (in a group they already say so).
 */
export const ABOUT_THE_ASKER: Readonly<Record<MenuCommand, boolean>> = {
  start: false,
  help: false,
  profile: true,
  top: false,
  badges: true,
  streak: true,
  lives: true,
  quiz: false,
  hide: true,
  show: true,
  case: false,
  verify: false,
  propose: true,
  wallet: false,
};

/** How many places `/top` shows. */
const TOP_SIZE = 10;
const LIFE_PERIOD_MS = LIFE_PERIOD_MINUTES * 60_000;

type Personal = "profile" | "badges" | "streak" | "lives";
type Who = number | { username: string };

/**
 * `/start`, `/help`, `/profile [@user]` (or as a reply), `/top [period]` (`/leaderboard`,
 * `/rank`), `/badges`, `/streak`, `/lives`, and the operators' commands. In a group they answer
 * for that group, as a reply to the asking message; in private for the member's group (or a
 * choice of them, with buttons).
 */
export function commands(deps: CommandDeps) {
  const { sql } = deps;
  const now = deps.now ?? (() => new Date());
  const xp = deps.xp ?? DEFAULT_XP;
  const c = new Composer();

  /** The text of a personal command for `who` in `chatId`, in `lang`. */
  async function personal(
    cmd: Personal,
    lang: Language,
    chatId: number,
    who: Who,
    asker: { id: number; first_name: string; last_name?: string; username?: string },
    chatTitle?: string,
    whoName?: string,
  ): Promise<string> {
    const self = who === asker.id;
    if (cmd === "profile") {
      // all-time as /top ranks it: live from the balances
      const p = await memberProfile(sql, chatId, who, now(), { liveAllTime: true });
      if (p) return profileText(lang, p, chatTitle);
      // Someone asked about by a reply is named as Telegram names them, never by a bare id.
      return self ? t(lang, "profile-none-self") : t(lang, "profile-none-other", {
        who: typeof who === "number" ? whoName ?? String(who) : `@${who.username}`,
      });
    }
    if (cmd === "badges") {
      const progress = await badgeProgress(sql, chatId, asker.id);
      return progress ? badgesText(lang, displayName(asker), progress) : t(lang, "badges-none");
    }
    if (cmd === "streak") {
      const [s] = await sql<
        {
          current: number;
          best: number;
          protections: number;
          lastActivityAt: Date;
          protectedUntil: Date | null;
        }[]
      >`
        SELECT current, best, protections, last_activity_at AS "lastActivityAt",
               protected_until AS "protectedUntil"
        FROM streaks WHERE chat_id = ${chatId} AND user_id = ${asker.id}`;
      if (!s) return streakText(lang, null);
      // as of now: past its deadline it is broken (or a protection spent) though the nightly
      // streak-expiry has not written it yet
      const at = now(), then = streakAsOf(s, at);
      const leftMs = Math.max(60_000, then.deadline.getTime() - at.getTime());
      return streakText(lang, { ...then, best: s.best, leftMs });
    }
    const [l] = await sql<{ current: number; max: number; last_refill_at: Date }[]>`
      SELECT current, max, last_refill_at FROM lives
      WHERE chat_id = ${chatId} AND user_id = ${asker.id}`;
    if (!l) {
      const full = { current: DEFAULT_LIVES, max: DEFAULT_LIVES, nextInMs: null };
      return livesText(lang, { ...full, periodMs: LIFE_PERIOD_MS });
    }
    // the lives owed since the last refill count already (life-regen writes them on its slot)
    const at = now();
    const { current, max, refill } = livesAsOf(
      { current: l.current, max: l.max, lastRefillAt: l.last_refill_at },
      at,
      LIFE_PERIOD_MS,
    );
    const nextInMs = current < max
      ? Math.max(60_000, refill.getTime() + LIFE_PERIOD_MS - at.getTime())
      : null;
    return livesText(lang, { current, max, nextInMs, periodMs: LIFE_PERIOD_MS });
  }

  /**
   * In a group: answer for it. In private: for the member's only group, or ask which; about
   * someone else, in the groups the member shares with them (one sees only their own groups).
   */
  async function ask(ctx: Context, cmd: Personal, who: Who, whoName?: string) {
    if (!ctx.from || !ctx.chat) return;
    const lang = await languageFor(sql, ctx);
    if (ctx.chat.type !== "private") {
      return await answer(
        ctx,
        await personal(cmd, lang, ctx.chat.id, who, ctx.from, undefined, whoName),
      );
    }
    const self = who === ctx.from.id;
    const groups = self
      ? (await memberGroups(sql, ctx.from.id)).map((g) => ({ ...g, userId: ctx.from!.id }))
      : await sharedGroups(sql, ctx.from.id, who);
    if (groups.length === 0) {
      const name = typeof who === "number" ? whoName ?? String(who) : `@${who.username}`;
      return await answer(
        ctx,
        self ? t(lang, "no-groups") : t(lang, "profile-none-shared", { who: name }),
      );
    }
    if (groups.length === 1) {
      const [g] = groups;
      return await answer(ctx, await personal(cmd, lang, g.chatId, g.userId, ctx.from, g.title));
    }
    const keyboard = new InlineKeyboard();
    for (const g of groups) {
      // ≤ 13 + 1 + 17 + 1 + 16 bytes: within Telegram's 64 for callback_data
      const data = `pick:${cmd}:${g.chatId}${self ? "" : `:${g.userId}`}`;
      keyboard.text(g.title, data).row();
    }
    await answer(ctx, t(lang, "choose-group"), { reply_markup: keyboard });
  }

  c.command("start", async (ctx) => {
    // Only a /start in private proves the bot may write to the member; in a group it does not.
    if (ctx.from && ctx.chat?.type === "private") {
      await sql.begin(async (tx) => {
        await tx`INSERT INTO bot_users (user_id) VALUES (${ctx.from!.id})
                 ON CONFLICT (user_id) DO NOTHING`;
        await tx`UPDATE members SET started_bot = true, unreachable = false
                 WHERE user_id = ${ctx.from!.id}`;
      });
    }
    const lang = await languageFor(sql, ctx);
    const name = ctx.from ? displayName(ctx.from) : "";
    // in a group, "I'll write to you here" would be untrue twice: it says where to start the bot
    await answer(
      ctx,
      ctx.chat?.type === "private"
        ? t(lang, "start", { name })
        : t(lang, "start-group", { name, link: `t.me/${ctx.me.username}` }),
    );
  });

  c.command("help", async (ctx) => {
    const lang = await languageFor(sql, ctx);
    const operator = !!ctx.from && deps.adminUserIds.includes(ctx.from.id);
    await answer(
      ctx,
      [
        t(lang, "help-members"),
        t(lang, "help-xp", { ...xp, perMinute: xp.maxPerMinute }),
        t(lang, "help-streak"),
        t(lang, "help-lives", { max: DEFAULT_LIVES, period: `${LIFE_PERIOD_MINUTES} min` }),
        t(lang, "help-admins"),
        ...(operator ? [t(lang, "help-operators")] : []),
      ].join("\n\n"),
    );
  });

  c.command("profile", async (ctx) => {
    if (!ctx.from || !ctx.msg) return;
    const { target, rest } = namedTarget(ctx.msg, ctx.match);
    if (!target && rest !== "") {
      const lang = await languageFor(sql, ctx);
      return void (await answer(ctx, t(lang, "profile-usage", { arg: clipped(rest, 32) })));
    }
    const replied = ctx.chat.type === "private" ? undefined : repliedMember(ctx.msg);
    if (target && "username" in target) return await ask(ctx, "profile", target);
    const other = target?.user ?? replied;
    await ask(ctx, "profile", other?.id ?? ctx.from.id, other && displayName(other));
  });
  for (const cmd of ["badges", "streak", "lives"] as const) {
    c.command(cmd, async (ctx) => ctx.from && await ask(ctx, cmd, ctx.from.id));
  }

  c.callbackQuery(
    /^pick:(profile|badges|streak|lives):(-?\d{1,16})(?::(\d{1,16}))?$/,
    async (ctx) => {
      const [, cmd, chat, member] = ctx.match;
      const chatId = Number(chat);
      const who = member === undefined || cmd !== "profile" ? ctx.from.id : Number(member);
      const lang = await languageFor(sql, ctx);
      // the asker sees a group's profiles only while a member of it (an old or forged button: none)
      const [g] = (await memberGroups(sql, ctx.from.id, 100)).filter((x) => x.chatId === chatId);
      await ctx.answerCallbackQuery();
      const text = g
        ? await personal(cmd as Personal, lang, chatId, who, ctx.from, g.title)
        : t(lang, "not-group-member");
      await ctx.editMessageText(text);
    },
  );

  c.command(["top", "leaderboard", "rank"], async (ctx) => {
    if (!ctx.from || !ctx.chat) return;
    const lang = await languageFor(sql, ctx);
    const period = boardPeriod(ctx.match);
    if (!period) {
      return void (await answer(ctx, t(lang, "board-usage", { arg: quoted(ctx.match) })));
    }
    if (ctx.chat.type === "private") {
      const command = `/${ctx.msg?.text?.match(/^\/(\w+)/)?.[1] ?? "top"}`;
      return void (await answer(ctx, t(lang, "board-in-groups", { command })));
    }
    const hidden = await hiddenIn(sql, ctx.chat.id, ctx.from.id);
    if (period === "all") {
      // the balances are the all-time totals: right the moment after someone chatted
      const live = await liveBoard(sql, ctx.chat.id, TOP_SIZE, ctx.from.id);
      const text = boardText(lang, {
        period,
        ...live,
        userId: ctx.from.id,
        size: TOP_SIZE,
        computedAgoMs: null,
        hidden,
      });
      return void (await answer(ctx, text));
    }
    // the whole board (≤ 100 rows), to find the caller below the top ten: the cached one, or
    // read live when the cache is still last period's (right after the period turned)
    const at = now();
    const board = await currentBoard(sql, ctx.chat.id, period, BOARD_SIZE, at);
    const mine = board.entries.find((e) => e.userId === ctx.from!.id);
    const text = boardText(lang, {
      period,
      entries: board.entries,
      you: mine ? { rank: mine.rank, score: mine.score } : null,
      userId: ctx.from.id,
      size: TOP_SIZE,
      computedAgoMs: board.computedAt && !board.live
        ? Math.max(60_000, at.getTime() - Date.parse(board.computedAt))
        : null,
      hidden,
    });
    await answer(ctx, text);
  });

  c.use(operatorCommands(deps));
  return c;
}

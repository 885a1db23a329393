/**
 * A group's admin tools in Telegram: `/givexp`, `/takexp`, `/resetxp` (ledger rows authored
 * `telegram:<admin id>`, or `telegram:anonymous-admin` for an admin posting as the group, audited,
 * a balance never below zero), `/settings` with its buttons (admin_settings.ts), and every
 * member's `/hide` and `/show` (left off the boards, still earning). Admins are checked with
 * `isChatAdmin` (ADMIN_USER_IDS, a message sent as the group, else Telegram, cached).
 */
import { Composer, type Context } from "grammy";
import type postgres from "postgres";
import {
  adjustXp,
  BotMember,
  FormReplayed,
  MAX_ADJUSTMENT,
  MAX_REASON,
  resetXp,
  UnknownMember,
  type XpAdjusted,
} from "../domain/admin_xp.ts";
import { readSettings } from "../domain/chat_settings.ts";
import type { Language } from "../domain/i18n.ts";
import { t } from "../domain/messages.ts";
import { clipped, controlCharacter } from "../domain/one_line.ts";
import { displayName } from "../domain/xp_rules.ts";
import {
  applyButton,
  ensureChat,
  SETTINGS_BUTTON,
  settingsView,
  showView,
  topicOf,
} from "./admin_settings.ts";
import { adminAuthor, isChatAdmin } from "./chat_admins.ts";
import { answer, languageFor } from "./lang.ts";
import { namedTarget, repliedMember, type Target } from "./targets.ts";

export interface AdminDeps {
  sql: postgres.Sql;
  /** Warden's operators (`ADMIN_USER_IDS`): admins of every chat. */
  adminUserIds: readonly number[];
  /** The time the admin cache is read and stamped with (default: the system clock). */
  now?: () => Date;
}

type XpCommand = "givexp" | "takexp" | "resetxp";
type Message = NonNullable<Context["msg"]>;

interface XpRequest {
  target?: Target;
  /** The N as typed (give/take only). */
  amount?: string;
  reason: string;
}

/** Splits `/givexp @user N reason…` (or, as a reply, `/givexp N reason…`) into its parts. */
export function parseXpCommand(command: XpCommand, message: Message, args: string): XpRequest {
  const named = namedTarget(message, args);
  const replied = repliedMember(message);
  const target = named.target ?? (replied && { userId: replied.id, user: replied });
  const rest = named.rest;
  if (command === "resetxp") return { target, reason: rest.trim() };
  const [amount, ...words] = rest.split(/\s+/).filter(Boolean);
  return { target, amount, reason: words.join(" ") };
}

/**
 * N as typed, read as the answers write numbers: plain digits, or grouped by threes with "." or
 * "," ("1.000", "1,000": the usage says "1 to 1,000,000"); null for anything else, a decimal
 * ("1.5", "1,00") included.
 */
export function amountOf(typed: string): number | null {
  const grouped = /^\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*$/.test(typed);
  const digits = grouped ? typed.replace(/[.,]/g, "") : typed;
  return /^\d{1,7}$/.test(digits) ? Number(digits) : null;
}

/** The named member of the chat, or null when the chat has no such member. */
async function findMember(sql: postgres.Sql, chatId: number, target: Target) {
  const [row] = "username" in target
    ? await sql<{ userId: number; name: string }[]>`
      SELECT user_id::float8 AS "userId", coalesce(nullif(display_name, ''), username) AS name
      FROM members WHERE chat_id = ${chatId} AND lower(username) = lower(${target.username})
      LIMIT 1`
    : await sql<{ userId: number; name: string }[]>`
      SELECT user_id::float8 AS "userId",
             coalesce(nullif(display_name, ''), username, user_id::text) AS name
      FROM members WHERE chat_id = ${chatId} AND user_id = ${target.userId}`;
  return row ?? null;
}

/** What went wrong with a request, as the first line of the usage answer; null when fine. */
function problem(lang: Language, command: XpCommand, r: XpRequest): string | null {
  if (!r.target) return t(lang, "admin-error-no-member");
  if (command !== "resetxp") {
    if (r.amount === undefined) return t(lang, "admin-error-no-amount", { max: MAX_ADJUSTMENT });
    const n = amountOf(r.amount) ?? NaN;
    if (!(n >= 1 && n <= MAX_ADJUSTMENT)) {
      return t(lang, "admin-error-amount", { max: MAX_ADJUSTMENT, got: clipped(r.amount, 20) });
    }
    if (r.reason === "") return t(lang, "admin-error-no-reason", { max: MAX_REASON });
  }
  // as the ledger counts and refuses them (checkReason): an emoji is one character
  if ([...r.reason].length > MAX_REASON) {
    return t(lang, "admin-error-long-reason", { max: MAX_REASON });
  }
  const control = controlCharacter(r.reason);
  return control ? t(lang, "admin-error-reason-control", { code: control }) : null;
}

/** The answer to a move that was made. */
function doneText(lang: Language, command: XpCommand, name: string, asked: number, r: XpAdjusted) {
  // `|| 0`: nothing applied is 0 taken, not -0 (which the number format prints as "-0").
  const taken = -r.applied || 0;
  if (command === "givexp") return t(lang, "admin-gave", { amount: r.applied, name, xp: r.xp });
  if (taken === 0) return t(lang, "admin-took-nothing", { name });
  if (command === "resetxp") return t(lang, "admin-reset", { amount: taken, name });
  if (taken < asked) return t(lang, "admin-took-all", { amount: taken, name, requested: asked });
  return t(lang, "admin-took", { amount: taken, name, xp: r.xp });
}

/**
 * The admin tools and `/hide`, `/show` as one composer; mount it before the handler that pays
 * XP for group messages (a command it answers goes no further).
 */
export function adminHandlers(deps: AdminDeps): Composer<Context> {
  const { sql } = deps;
  const c = new Composer<Context>();

  /** The member's language when they may use `/command` here; else answers why not, and null. */
  async function admitted(ctx: Context, command: string): Promise<Language | null> {
    const lang = await languageFor(sql, ctx);
    const type = ctx.chat?.type;
    if (type !== "group" && type !== "supergroup") {
      await answer(ctx, t(lang, "admin-groups-only", { command: `/${command}` }));
      return null;
    }
    if (!(await isChatAdmin(deps, ctx))) {
      await answer(ctx, t(lang, "admin-refused", { command: `/${command}` }));
      return null;
    }
    return lang;
  }

  for (const command of ["givexp", "takexp", "resetxp"] as const) {
    c.command(command, async (ctx) => {
      const lang = await admitted(ctx, command);
      if (!lang) return;
      const request = parseXpCommand(command, ctx.msg, ctx.match);
      const usage = (first: string) =>
        answer(ctx, `${first}\n${t(lang, `admin-usage-${command}`)}`);
      const wrong = problem(lang, command, request);
      if (wrong) return void (await usage(wrong));
      const target = request.target!;
      const member = await findMember(sql, ctx.chat.id, target);
      const who = "username" in target ? `@${target.username}` : displayName(target.user);
      if (!member) return void (await usage(t(lang, "admin-error-unknown-member", { who })));
      const asked = request.amount === undefined ? 0 : amountOf(request.amount)!;
      const move = {
        chatId: ctx.chat.id,
        userId: member.userId,
        author: adminAuthor(ctx),
        // the same update delivered again (on any replica) moves nothing twice
        formId: `telegram:${ctx.chat.id}:${ctx.msg.message_id}`,
      };
      try {
        const done = command === "resetxp"
          ? await resetXp(sql, {
            ...move,
            reason: request.reason || t(lang, "admin-reset-default-reason"),
          })
          : await adjustXp(sql, {
            ...move,
            amount: command === "givexp" ? asked : -asked,
            reason: request.reason,
          });
        await answer(ctx, doneText(lang, command, member.name, asked, done));
      } catch (error) {
        if (error instanceof FormReplayed) {
          const again = { ...move, applied: error.first.applied, xp: error.xp };
          const done = { ...again, ledgerId: null, auditId: error.auditId };
          return void (await answer(ctx, doneText(lang, command, member.name, asked, done)));
        }
        if (error instanceof BotMember) {
          return void (await answer(ctx, t(lang, "admin-error-bot", { who })));
        }
        if (!(error instanceof UnknownMember)) throw error;
        await usage(t(lang, "admin-error-unknown-member", { who }));
      }
    });
  }

  c.command("settings", async (ctx) => {
    const lang = await admitted(ctx, "settings");
    if (!lang || !ctx.chat) return;
    await ensureChat(sql, ctx.chat);
    const settings = (await readSettings(sql, ctx.chat.id))!;
    const view = settingsView(lang, settings, ctx.chat.title ?? "", topicOf(ctx.msg));
    await answer(ctx, view.text, { reply_markup: view.reply_markup });
  });

  c.callbackQuery(SETTINGS_BUTTON, async (ctx) => {
    const chat = ctx.chat;
    const lang = await languageFor(sql, ctx);
    if (!chat || (chat.type !== "group" && chat.type !== "supergroup")) {
      return void (await ctx.answerCallbackQuery());
    }
    if (!(await isChatAdmin(deps, ctx))) {
      const text = t(lang, "admin-refused", { command: "/settings" });
      return void (await ctx.answerCallbackQuery({ text, show_alert: true }));
    }
    const [, field, value] = ctx.match;
    const updated = await applyButton(sql, chat.id, `telegram:${ctx.from.id}`, field, value);
    if (!updated) {
      return void (await ctx.answerCallbackQuery({ text: t(lang, "settings-invalid") }));
    }
    // The chat's language may just have changed: the message and the answer follow it.
    const shown = await languageFor(sql, ctx);
    const topic = topicOf(ctx.callbackQuery.message);
    await showView(ctx, settingsView(shown, updated, chat.title ?? "", topic));
    await ctx.answerCallbackQuery({ text: t(shown, "settings-saved") });
  });

  for (const [command, hidden] of [["hide", true], ["show", false]] as const) {
    c.command(command, async (ctx) => {
      const lang = await languageFor(sql, ctx);
      const from = ctx.from!;
      const chat = ctx.chat;
      if (chat.type === "private") {
        const updated = await sql`
          UPDATE members SET hidden = ${hidden}, updated_at = now()
          WHERE user_id = ${from.id} AND chat_id < 0`;
        const n = updated.count;
        const id = n === 0 ? "admin-no-groups" : `admin-${hidden ? "hidden" : "shown"}-private`;
        return void (await answer(ctx, t(lang, id, { n })));
      }
      if (chat.type === "channel") return;
      await sql.begin(async (tx) => {
        await tx`INSERT INTO chats (chat_id, title, kind)
                 VALUES (${chat.id}, ${chat.title ?? ""}, ${chat.type}) ON CONFLICT DO NOTHING`;
        await tx`
          INSERT INTO members (chat_id, user_id, display_name, username, next_level_xp, started_bot, hidden)
          VALUES (${chat.id}, ${from.id}, ${displayName(from)}, ${from.username ?? null},
                  (SELECT min_xp FROM levels WHERE number = 2),
                  EXISTS (SELECT 1 FROM bot_users WHERE user_id = ${from.id}), ${hidden})
          ON CONFLICT (chat_id, user_id) DO UPDATE SET hidden = EXCLUDED.hidden, updated_at = now()`;
      });
      const id = `admin-${hidden ? "hidden" : "shown"}-group`;
      await answer(ctx, t(lang, id, { name: displayName(from) }));
    });
  }
  return c;
}

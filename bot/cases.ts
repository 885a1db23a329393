import { Composer } from "grammy";
import type postgres from "postgres";
import type { Logger } from "../actors/log.ts";
import { parseWallet } from "../domain/wallet.ts";
import { openCase } from "../domain/case_generation.ts";
import type { CaseDraft } from "../domain/case_provider.ts";
import {
  caseIsKnown,
  castVote,
  linkWallet,
  reactToArgument,
  recordArgument,
} from "../domain/case_votes.ts";
import { caseStatusText, verifyText, voteAnswer } from "../domain/case_answers.ts";
import type { Language } from "../domain/i18n.ts";
import { displayName } from "../domain/xp_rules.ts";
import { t } from "../domain/messages.ts";
import { chatMembership } from "./chat_members.ts";
import { caseNumber, quoted } from "./command_args.ts";
import { answer, languageFor } from "./lang.ts";

export interface CaseBotDeps {
  sql: postgres.Sql;
  /**
   * Member proposals (`/propose`): the provider's judge (only the `openai` provider judges), the
   * voting time and the rail of the case it opens.
   */
  proposals?: {
    judge?: (text: string, language: Language) => Promise<CaseDraft>;
    votingHours: number;
    rail: "xp" | "evm";
  };
  /** The time votes and arguments are judged at (default: the system clock). */
  now?: () => Date;
  /** Where a proposal the judge failed is logged with the provider's why. */
  log?: Logger;
}

const THUMBS_UP = "👍";
const hasThumbsUp = (reactions: ReadonlyArray<{ type: string; emoji?: string }>) =>
  reactions.some((r) => r.type === "emoji" && r.emoji === THUMBS_UP);

/**
 * The dilemma cases in Telegram: the vote buttons under a case's post (from the chat's members
 * only, as Telegram's `getChatMember` says, cached 10 minutes), replies to it as arguments, 👍
 * reactions on arguments as their votes (Telegram sends `message_reaction` only where the bot is
 * an admin), and `/case [id]`, `/verify <id>`, `/wallet <address>`.
 */
export function caseHandlers(deps: CaseBotDeps) {
  const { sql } = deps;
  const now = deps.now ?? (() => new Date());
  const c = new Composer();

  c.callbackQuery(/^vote:(\d{1,15}):([a-z0-9-]{1,16})$/, async (ctx) => {
    const chat = ctx.chat;
    if (!chat || chat.type === "private" || chat.type === "channel") {
      return void (await ctx.answerCallbackQuery());
    }
    const from = ctx.from;
    const caseId = Number(ctx.match[1]);
    // A case that does not exist is said so first, whoever asks (and Telegram is not asked).
    if (!(await caseIsKnown(sql, caseId))) {
      const text = voteAnswer({ kind: "unknown-case", caseId }, await languageFor(sql, ctx));
      return void (await ctx.answerCallbackQuery({ text }));
    }
    // Only the chat's members vote: one who left or was removed still sees the buttons.
    const membership = await chatMembership(
      sql,
      { chatId: chat.id, userId: from.id, api: ctx.api },
      now(),
    );
    if (membership !== "member") {
      const refusal = membership === "outsider" ? "not-member" : "unverified";
      const text = voteAnswer({ kind: refusal, caseId }, await languageFor(sql, ctx));
      return void (await ctx.answerCallbackQuery({ text }));
    }
    const outcome = await castVote(sql, {
      caseId,
      option: ctx.match[2],
      chat: { id: chat.id, type: chat.type, title: chat.title },
      voter: {
        id: from.id,
        name: displayName(from),
        username: from.username,
      },
      at: now(),
    });
    await ctx.answerCallbackQuery({ text: voteAnswer(outcome, await languageFor(sql, ctx)) });
  });

  c.chatType(["group", "supergroup"]).on("message", async (ctx, next) => {
    const reply = ctx.message.reply_to_message;
    const text = ctx.message.text ?? ctx.message.caption;
    if (reply && text && !ctx.from.is_bot && reply.from?.id === ctx.me.id) {
      await recordArgument(sql, {
        chatId: ctx.chat.id,
        messageId: ctx.message.message_id,
        replyTo: reply.message_id,
        userId: ctx.from.id,
        text,
        at: new Date(ctx.message.date * 1000),
      });
    }
    await next();
  });

  c.on("message_reaction", async (ctx) => {
    const r = ctx.messageReaction;
    if (!r.user || r.user.is_bot) return; // anonymous (a channel's) reactions are not votes
    const before = hasThumbsUp(r.old_reaction), after = hasThumbsUp(r.new_reaction);
    if (before === after) return;
    await reactToArgument(sql, {
      chatId: r.chat.id,
      messageId: r.message_id,
      userId: r.user.id,
      thumbsUp: after,
      at: new Date(r.date * 1000),
    });
  });

  c.command("case", async (ctx) => {
    const lang = await languageFor(sql, ctx);
    const arg = ctx.match.trim(), id = caseNumber(arg);
    if (arg && id === null) {
      return void (await answer(ctx, t(lang, "case-not-number", { arg: quoted(arg) })));
    }
    await answer(ctx, await caseStatusText(sql, id, lang, now()));
  });

  c.command("verify", async (ctx) => {
    const lang = await languageFor(sql, ctx);
    const arg = ctx.match.trim(), id = caseNumber(arg);
    if (id === null) {
      const text = arg ? t(lang, "case-not-number", { arg: quoted(arg) }) : t(lang, "verify-which");
      return void (await answer(ctx, text));
    }
    await answer(ctx, await verifyText(sql, id, lang));
  });

  c.command("propose", async (ctx) => {
    const lang = await languageFor(sql, ctx);
    const es = lang === "es";
    const judge = deps.proposals?.judge;
    const text = ctx.match.trim();
    if (!judge || !deps.proposals) {
      return void (await answer(
        ctx,
        es
          ? "Las propuestas necesitan un juez de IA (CASE_PROVIDER=openai); esta comunidad usa el banco de casos."
          : "Proposals need an AI judge (CASE_PROVIDER=openai); this community uses the shipped case bank.",
      ));
    }
    if (ctx.chat?.type !== "group" && ctx.chat?.type !== "supergroup" || !ctx.from) {
      return void (await answer(
        ctx,
        es ? "Propón casos en un grupo." : "Propose cases in a group.",
      ));
    }
    // Only a group that plays may add a case for every group that plays (README: opt in).
    const [chat] = await sql<{ on: boolean }[]>`
      SELECT cases_enabled AS on FROM chats WHERE chat_id = ${ctx.chat.id}`;
    if (!chat?.on) {
      return void (await answer(
        ctx,
        es
          ? "Los casos están desactivados en este grupo: un admin los activa en /settings."
          : "Cases are off in this group: an admin turns them on in /settings.",
      ));
    }
    // One case per message: a redelivered update (or a retry) finds it, and no judge is asked.
    const key = `member:${ctx.chat.id}:${ctx.msg?.message_id}`;
    const [seen] = await sql<{ id: string }[]>`SELECT id FROM cases WHERE source_key = ${key}`;
    if (seen) {
      return void (await answer(
        ctx,
        es ? `Ese caso ya existe: #${seen.id}.` : `That case exists already: #${seen.id}.`,
      ));
    }
    if (text.length < 20) {
      return void (await answer(
        ctx,
        es
          ? "Uso: /propose <el dilema, con sus opciones> (20 caracteres como mínimo)"
          : "Usage: /propose <the dilemma, with its options> (20 characters at least)",
      ));
    }
    let draft: CaseDraft;
    try {
      draft = await judge(text, lang);
    } catch (error) {
      // the provider's why is in English and the operators' to read (it may speak of its key)
      deps.log?.warn("proposal not judged", { chat: ctx.chat.id, error: (error as Error).message });
      return void (await answer(
        ctx,
        es
          ? "❌ No se pudo juzgar la propuesta: el juez de IA no la convirtió en un caso (no respondió, o su respuesta no servía). Inténtalo de nuevo en un rato, o reformúlala."
          : "❌ The proposal could not be judged: the AI judge did not turn it into a case (no answer, or an unusable one). Try again in a while, or reword it.",
      ));
    }
    const opened = await openCase(sql, { ...draft, key }, {
      source: "member",
      slot: null,
      opensAt: now(),
      votingHours: deps.proposals.votingHours,
      rail: deps.proposals.rail,
      creator: { userId: ctx.from.id, chatId: ctx.chat.id },
    });
    await answer(
      ctx,
      opened
        ? (es
          ? `⚖️ Tu caso #${opened.id} está abierto: se publica en los grupos que juegan.`
          : `⚖️ Your case #${opened.id} is open: it is being posted in the groups that play.`)
        : (es ? "Ese caso ya existe." : "That case exists already."),
    );
  });

  c.command("wallet", async (ctx) => {
    const lang = await languageFor(sql, ctx);
    if (ctx.chat?.type !== "private" || !ctx.from) {
      return void (await answer(
        ctx,
        lang === "es"
          ? "Vincula tu cartera en privado conmigo: /wallet 0x…"
          : "Link your wallet in private with me: /wallet 0x…",
      ));
    }
    if (ctx.match.trim() === "") return void (await answer(ctx, t(lang, "wallet-missing")));
    const parsed = parseWallet(ctx.match, lang);
    if (!parsed.ok) {
      return void (await answer(
        ctx,
        (lang === "es" ? "❌ Esa dirección no vale: " : "❌ That address won't do: ") +
          parsed.error,
      ));
    }
    await linkWallet(sql, ctx.from.id, parsed.address);
    await answer(
      ctx,
      lang === "es"
        ? `🔗 Cartera ${parsed.address} vinculada: tus premios de casos irán allí.`
        : `🔗 Wallet ${parsed.address} linked: your case rewards will go there.`,
    );
  });
  return c;
}

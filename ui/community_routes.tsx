/** `/chats`, a chat's boards and member search, a member's page and the give/take XP form. */
import { Hono } from "hono";
import {
  adjustXp,
  BotMember,
  checkReason,
  FormReplayed,
  memberLedger,
  UnknownMember,
} from "../domain/admin_xp.ts";
import { memberBadges } from "../domain/badges.ts";
import { type Period, PERIODS } from "../domain/boards.ts";
import { currentBoard } from "../domain/current_board.ts";
import { memberProfile } from "../domain/profile.ts";
import { idParam } from "../routes/api.ts";
import { deadline, HttpError, rowIdOr400 } from "../routes/errors.ts";
import { type DashboardEnv, done } from "./auth.tsx";
import { ChatPage, ChatsPage, MemberPage } from "./community_page.tsx";
import type { PageDeps } from "./dashboard.tsx";
import { chatRows, isBotMember, searchMembers } from "./data.ts";
import { Layout, shown } from "./layout.tsx";

/** The XP form's one-time id, as `MemberPage` writes it. */
const FORM_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Ledger lines per page of a member's page (`?before=<line id>` for the next). */
const LEDGER_PAGE = 50;

export function communityRoutes(d: PageDeps) {
  const bounded = deadline();
  async function chatOf(chatId: number) {
    const [chat] = await chatRows(d.sql, chatId);
    if (!chat) throw new HttpError(404, `unknown chat ${chatId}`);
    return chat;
  }
  return new Hono<DashboardEnv>()
    .get("/chats", d.session, d.reader, bounded, async (c) => {
      const [chats, v] = await Promise.all([chatRows(d.sql), d.view(c)]);
      return c.html(
        <Layout title="Community" view={v}>
          <ChatsPage chats={chats} view={v} />
        </Layout>,
      );
    })
    .get("/chats/:chat", d.session, d.reader, bounded, async (c) => {
      const chatId = idParam(c, "chat");
      const raw = c.req.query("period") ?? "all";
      if (!(PERIODS as string[]).includes(raw)) {
        throw new HttpError(400, `period "${raw}": expected one of ${PERIODS.join(", ")}`);
      }
      const period = raw as Period;
      // Control characters (a NUL, which PostgreSQL cannot even compare) are no one's name.
      const q = (c.req.query("q") ?? "").replace(/\p{Cc}/gu, "").trim().slice(0, 64);
      const chat = await chatOf(chatId);
      const [board, hits, v] = await Promise.all([
        currentBoard(d.sql, chatId, period, 100, d.now()),
        q ? searchMembers(d.sql, chatId, q, 20) : Promise.resolve(null),
        d.view(c),
      ]);
      return c.html(
        <Layout title={shown(chat.title) || String(chatId)} view={v}>
          <ChatPage chat={chat} period={period} board={board} q={q} hits={hits} view={v} />
        </Layout>,
      );
    })
    .get("/chats/:chat/members/:user", d.session, d.reader, bounded, async (c) => {
      const chatId = idParam(c, "chat");
      const userId = idParam(c, "user");
      const before = c.req.query("before");
      const beforeId = before === undefined
        ? undefined
        : rowIdOr400(before, "before", "a ledger line number");
      const [p, badges, ledger, isBot, v] = await Promise.all([
        memberProfile(d.sql, chatId, userId, d.now()),
        memberBadges(d.sql, chatId, userId),
        memberLedger(d.sql, chatId, userId, { limit: LEDGER_PAGE + 1, beforeId }),
        isBotMember(d.sql, chatId, userId),
        d.view(c),
      ]);
      if (!p) throw new HttpError(404, `unknown member ${userId} in chat ${chatId}`);
      return c.html(
        <Layout title={p.name || String(userId)} view={v}>
          <MemberPage
            p={p}
            badges={badges}
            ledger={ledger.slice(0, LEDGER_PAGE)}
            more={ledger.length > LEDGER_PAGE}
            paged={beforeId !== undefined}
            isBot={isBot}
            view={v}
          />
        </Layout>,
      );
    })
    .post("/chats/:chat/members/:user/xp", d.session, d.writer, bounded, async (c) => {
      const chatId = idParam(c, "chat");
      const userId = idParam(c, "user");
      const form = c.get("form");
      const back = `/chats/${chatId}/members/${userId}`;
      const amount = form.amount?.trim() ?? "";
      if (!/^\d{1,7}$/.test(amount) || Number(amount) < 1 || Number(amount) > 1_000_000) {
        return done(c, `Nothing changed: XP must be a whole number from 1 to 1,000,000.`, back);
      }
      let reason: string;
      try {
        reason = checkReason(form.reason ?? "");
      } catch (error) {
        return done(c, `Nothing changed: ${(error as Error).message}.`, back);
      }
      if (form.direction !== "give" && form.direction !== "take") {
        return done(c, "Nothing changed: choose Give or Take.", back);
      }
      // The page's form id (one per rendered form): sent twice, it moves XP once.
      const formId = form.form;
      if (formId !== undefined && !FORM_ID.test(formId)) {
        return done(
          c,
          "Nothing changed: the form is damaged: reload the page and try again.",
          back,
        );
      }
      const name = c.get("session")?.name;
      try {
        const r = await adjustXp(d.sql, {
          chatId,
          userId,
          amount: form.direction === "give" ? Number(amount) : -Number(amount),
          reason,
          author: name ? `dashboard:${name}` : "dashboard",
          formId,
        });
        const xp = `${r.xp.toLocaleString("en-US")} XP`;
        if (r.applied === 0) return done(c, `Took nothing: the balance was ${xp} already.`, back);
        const verb = r.applied > 0 ? "Gave" : "Took";
        const moved = Math.abs(r.applied).toLocaleString("en-US");
        return done(c, `${verb} ${moved} XP: the balance is now ${xp}.`, back);
      } catch (error) {
        if (error instanceof UnknownMember) throw new HttpError(404, error.message);
        if (error instanceof BotMember || error instanceof FormReplayed) {
          return done(c, `Nothing changed: ${error.message}.`, back);
        }
        throw error;
      }
    });
}

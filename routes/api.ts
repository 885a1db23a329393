import { type Context, Hono } from "hono";
import type postgres from "postgres";
import { z } from "zod";
import { badgeProgress, memberBadges } from "../domain/badges.ts";
import { type Period, PERIODS } from "../domain/boards.ts";
import { currentBoard } from "../domain/current_board.ts";
import { readChatMetrics } from "../domain/community_metrics.ts";
import { listIncidents, UnknownIncident } from "../domain/incidents.ts";
import { rowId } from "../domain/row_id.ts";
import { chatExists, chatsWithCounts, findMember, memberProfile } from "../domain/profile.ts";
import { bearerAuth } from "./auth.ts";
import { deadline, HttpError, knownQuery, rowIdDetail, singleQuery } from "./errors.ts";

const telegramId = z.string().regex(/^-?\d+$/).transform(Number).refine(Number.isSafeInteger);
const incidentState = z.enum(["open", "all"]).optional();
const period = z.enum(PERIODS as [Period, ...Period[]]).default("all");
const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s))
  .refine((d) => d.getTime() >= 0).optional();
const INSTANT = "an ISO-8601 instant from 1970 on, like 2026-06-01T00:00:00Z";
const DAY_MS = 86_400_000;
const MAX_METRICS_DAYS = 31;
const limit = z.string().regex(/^[1-9]\d{0,2}$/).transform(Number).pipe(z.number().min(1).max(100))
  .optional();

/**
 * A path parameter that must be a Telegram id (digits, a leading `-` for a group): 400 naming the
 * parameter and the value, and the range when it is a number past 2^53 - 1, where no id goes.
 */
export function idParam(c: Context, name: "chat" | "user"): number {
  const raw = c.req.param(name);
  const parsed = telegramId.safeParse(raw);
  if (!parsed.success) {
    const range = /^-?\d+$/.test(raw ?? "") ? ` within ±${Number.MAX_SAFE_INTEGER} (2^53 - 1)` : "";
    throw new HttpError(
      400,
      `${name} must be a numeric Telegram id${range}, got ${JSON.stringify(raw)}`,
    );
  }
  return parsed.data;
}

/**
 * A query value through `schema`, or 400 saying what was expected and what came, and why when
 * `detail` says (`rowIdDetail`: a leading zero, past 2^53 - 1).
 */
export function queryParam<T>(
  c: Context,
  name: string,
  schema: z.ZodType<T>,
  expected: string,
  detail: (raw: string | undefined) => string = () => "",
): T {
  const raw = singleQuery(c, name);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    // `+` in a query is a space (an instant's offset, `+02:00`, comes as ` 02:00`)
    const plus = raw?.includes(" ") && new URL(c.req.url).search.includes("+")
      ? ` (a + in a query reads as a space: send it as %2B)`
      : "";
    throw new HttpError(
      400,
      `query ${name}=${JSON.stringify(raw)}: expected ${expected}${detail(raw)}${plus}`,
    );
  }
  return parsed.data;
}

/** `from`/`to` of a metrics series: to defaults to `now`, from to 24 h before to; at most 31 days. */
function metricsRange(c: Context, now: Date): { from: Date; to: Date } {
  const to = queryParam(c, "to", instant, INSTANT) ?? now;
  const from = queryParam(c, "from", instant, INSTANT) ?? new Date(to.getTime() - DAY_MS);
  const span = `query from=${from.toISOString()}, to=${to.toISOString()}`;
  if (from >= to) throw new HttpError(400, `${span}: expected from before to`);
  if (to.getTime() - from.getTime() > MAX_METRICS_DAYS * DAY_MS) {
    const days = ((to.getTime() - from.getTime()) / DAY_MS).toFixed(1);
    throw new HttpError(400, `${span}: expected at most ${MAX_METRICS_DAYS} days, got ${days}`);
  }
  return { from, to };
}

/**
 * `GET /api/chats`, `/api/chats/:chat/leaderboard`, `/api/chats/:chat/members/:user` and its
 * `/badges` and `/badges/progress`, `/api/chats/:chat/metrics?from&to` (the community-metrics
 * snapshots with `from <= at <= to`, oldest first), and `/api/incidents?state&limit&before`
 * (bearer): read-only views of the community and of the runtime's incidents.
 */
export function apiRoutes(
  { sql, adminToken, deadlineMs, now = () => new Date() }: {
    sql: postgres.Sql;
    adminToken?: string;
    deadlineMs?: number;
    /** The time reads are as of (a profile's streak and lives, a board's period, a metrics range's end). */
    now?: () => Date;
  },
) {
  async function requireChat(chatId: number) {
    if (!(await chatExists(sql, chatId))) throw new HttpError(404, `unknown chat ${chatId}`);
  }
  async function requireMember(chatId: number, userId: number) {
    const known = await findMember(sql, chatId, userId);
    if (!known.chat) throw new HttpError(404, `unknown chat ${chatId}`);
    if (!known.member) throw new HttpError(404, `unknown member ${userId} in chat ${chatId}`);
  }

  const admin = bearerAuth(adminToken); // on each route, whatever else is mounted around it
  const bounded = deadline(deadlineMs); // a database outage answers 503 within it
  return new Hono()
    .get(
      "/chats",
      admin,
      knownQuery(),
      bounded,
      async (c) => c.json({ chats: await chatsWithCounts(sql) }),
    )
    .get("/chats/:chat/leaderboard", admin, knownQuery("period", "limit"), bounded, async (c) => {
      const chatId = idParam(c, "chat");
      const p = queryParam(c, "period", period, `one of ${PERIODS.join(", ")}`);
      const n = queryParam(c, "limit", limit, "a whole number from 1 to 100") ?? 10;
      await requireChat(chatId);
      const board = await currentBoard(sql, chatId, p, n, now());
      return c.json({ chatId, period: p, ...board });
    })
    .get("/chats/:chat/members/:user", admin, knownQuery(), bounded, async (c) => {
      const chatId = idParam(c, "chat");
      const userId = idParam(c, "user");
      const profile = await memberProfile(sql, chatId, userId, now());
      if (!profile) {
        await requireMember(chatId, userId);
        throw new HttpError(404, `unknown member ${userId} in chat ${chatId}`);
      }
      return c.json(profile);
    })
    .get("/chats/:chat/members/:user/badges", admin, knownQuery(), bounded, async (c) => {
      const chatId = idParam(c, "chat");
      const userId = idParam(c, "user");
      await requireMember(chatId, userId);
      const badges = await memberBadges(sql, chatId, userId);
      return c.json({ chatId, userId, totalBadges: badges.length, badges });
    })
    .get("/chats/:chat/members/:user/badges/progress", admin, knownQuery(), bounded, async (c) => {
      const chatId = idParam(c, "chat");
      const userId = idParam(c, "user");
      await requireMember(chatId, userId);
      // null for a member badges never count (a bot) or when no badge is defined
      const progress = await badgeProgress(sql, chatId, userId) ??
        { earned: 0, total: 0, badges: [] };
      const badges = progress.badges.map(({ id, name, emoji, earned, progress }) => ({
        id,
        name,
        emoji,
        earned,
        progress,
      }));
      return c.json({ chatId, userId, earned: progress.earned, total: progress.total, badges });
    })
    .get("/chats/:chat/metrics", admin, knownQuery("from", "to"), bounded, async (c) => {
      const chatId = idParam(c, "chat");
      const { from, to } = metricsRange(c, now());
      await requireChat(chatId);
      const points = await readChatMetrics(sql, chatId, { from, to });
      return c.json({ chat: chatId, from: from.toISOString(), to: to.toISOString(), points });
    })
    .get("/incidents", admin, knownQuery("state", "limit", "before"), bounded, async (c) => {
      const state = queryParam(c, "state", incidentState, "open or all") ?? "all";
      const n = queryParam(c, "limit", limit, "a whole number from 1 to 100") ?? 20;
      const before = queryParam(
        c,
        "before",
        rowId.optional(),
        "a positive whole number (an incident's id: the last one of the page before)",
        rowIdDetail,
      );
      try {
        const open = state === "open";
        return c.json({
          incidents: await listIncidents(sql, { open, limit: n, beforeId: before }),
        });
      } catch (error) {
        if (error instanceof UnknownIncident) {
          throw new HttpError(400, `query before=${before}: ${error.message}`);
        }
        throw error;
      }
    });
}

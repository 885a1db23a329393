/**
 * The operators' commands (`ADMIN_USER_IDS`): `/jobs`, `/run <job>`, `/pause <job>`,
 * `/resume <job>`. Operators read English: these are the runtime's words, like the CLI's. Anyone
 * else is refused in their own language.
 */
import { Composer } from "grammy";
import type postgres from "postgres";
import { ActorStoppedError, MailboxFullError, ShuttingDownError } from "../actors/errors.ts";
import type { Runtime } from "../actors/runtime.ts";
import { isDatabaseUnavailable } from "../db/outage.ts";
import { duration } from "../domain/i18n.ts";
import { t } from "../domain/messages.ts";
import { quoted } from "./command_args.ts";
import { answer, languageFor } from "./lang.ts";

/** Why the runtime refused (a full mailbox, a job given up or stopped, a shutdown), if it did. */
function refusal(error: unknown): string | null {
  const refused = error instanceof MailboxFullError || error instanceof ActorStoppedError ||
    error instanceof ShuttingDownError;
  // Their messages read "Cannot …: why"; the why is what the operator needs.
  return refused ? error.message.replace(/^Cannot [^:]*: /, "") : null;
}

export function operatorCommands(
  deps: {
    sql: postgres.Sql;
    runtime: () => Runtime | undefined;
    adminUserIds: readonly number[];
    now?: () => Date;
  },
) {
  const now = deps.now ?? (() => new Date());
  const c = new Composer();
  const isOperator = (id: number | undefined) => id !== undefined && deps.adminUserIds.includes(id);
  for (const name of ["jobs", "run", "pause", "resume"]) {
    c.command(name, async (ctx, next) => {
      if (isOperator(ctx.from?.id)) return await next();
      const lang = await languageFor(deps.sql, ctx);
      await answer(ctx, t(lang, "operator-refused", { command: `/${name}` }));
    });
  }
  c.command("jobs", async (ctx) => {
    const runtime = deps.runtime();
    if (!runtime) return void (await answer(ctx, "No jobs run in this process."));
    const lines = (await runtime.tasks()).map((t) => {
      const icon = t.status === "failed" ? "🔴" : t.stale ? "🟠" : t.paused ? "⏸" : "🟢";
      const ago = t.lastRun ? now().getTime() - Date.parse(t.lastRun.finishedAt) : 0;
      const last = t.lastRun
        ? `, last ${t.lastRun.outcome} ${ago < 60_000 ? "just now" : `${duration("en", ago)} ago`}`
        : ", never ran";
      return `${icon} ${t.name}: ${t.status}${last}`;
    });
    await answer(ctx, lines.join("\n"));
  });
  for (const verb of ["run", "pause", "resume"] as const) {
    c.command(verb, async (ctx) => {
      const runtime = deps.runtime();
      const name = ctx.match.trim();
      if (!runtime) return void (await answer(ctx, "No jobs run in this process."));
      if (!name) {
        return void (await answer(
          ctx,
          `Usage: /${verb} <job>. Jobs: ${runtime.names().join(", ")}`,
        ));
      }
      if (!runtime.names().includes(name)) {
        return void (await answer(
          ctx,
          `Unknown job "${quoted(name)}". Usage: /${verb} <job>. Jobs: ${
            runtime.names().join(", ")
          }`,
        ));
      }
      let done: string;
      try {
        if (verb === "run") done = `▶️ ${name} queued (run ${runtime.trigger(name)}).`;
        else {
          await (verb === "pause" ? runtime.pause(name) : runtime.resume(name));
          done = `${verb === "pause" ? "⏸ paused" : "▶️ resumed"} ${name} on every replica.`;
        }
      } catch (error) {
        // The runtime's refusals and a database away are answered, as HTTP answers them.
        const why = refusal(error) ??
          (isDatabaseUnavailable(error) ? "the database is unavailable; try again." : null);
        if (why === null) throw error;
        return void (await answer(ctx, `⚠️ Cannot ${verb} ${name}: ${why}`));
      }
      await answer(ctx, done);
    });
  }
  return c;
}

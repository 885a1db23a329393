/** The real app with its Telegram webhook and the real bot, for tests that post updates to it. */
import type postgres from "postgres";
import type { JobSpec } from "../../actors/job.ts";
import { createLogger } from "../../actors/log.ts";
import { createRegistry } from "../../actors/metrics.ts";
import { createBot } from "../../bot/bot.ts";
import { createApp } from "../../routes/app.ts";
import { runtimeMetrics } from "../../routes/metrics.ts";
import { createReadiness } from "../../routes/readiness.ts";
import type { TestDb } from "../db.ts";
import type { BotApiDouble } from "./bot_api.ts";
import { serve } from "./http.ts";
import { dbRuntime } from "./runtime.ts";

export const XP = { perMessage: 1, perLink: 3, perThanks: 5, maxPerMinute: 10 };

/**
 * The app on `db` with its webhook (expecting `secretToken`; none when undefined), a bot on the
 * Bot API double and a started runtime of `jobs` on node `node`. `sql` is the bot's client
 * (default the test database's). `post` sends `secret` unless told another (`null`: none) and a
 * Content-Type (`null`: none); `logs` holds every log line.
 */
export function webhookApp(
  db: TestDb,
  api: BotApiDouble,
  o: {
    secret: string;
    secretToken: string | undefined;
    sql?: postgres.Sql;
    adminUserIds?: number[];
    jobs?: JobSpec[];
    node?: string;
  },
) {
  const logs: string[] = [];
  const log = createLogger({ level: "debug", write: (line) => logs.push(line) });
  const r = dbRuntime(db.url, o.jobs ?? [], { node: o.node ?? "w" });
  r.runtime.start();
  const bot = createBot({
    token: "123456:TEST",
    apiRoot: api.apiRoot,
    sql: o.sql ?? db.sql,
    log,
    xp: XP,
    adminUserIds: o.adminUserIds ?? [],
    runtime: () => r.runtime,
  });
  const readiness = createReadiness({ ping: () => db.sql`SELECT 1`, clock: r.clock });
  const http = serve(createApp({
    runtime: r.runtime,
    readiness,
    log,
    metrics: runtimeMetrics(createRegistry(), r.runtime, readiness),
    webhook: { bot, secretToken: o.secretToken },
  }));
  const post = async (
    body: unknown,
    secret: string | null = o.secret,
    type: string | null = "application/json",
  ) => {
    const res = await fetch(`${http.base}/telegram/webhook`, {
      method: "POST",
      headers: {
        ...(type === null ? {} : { "content-type": type }),
        ...(secret === null ? {} : { "x-telegram-bot-api-secret-token": secret }),
      },
      // bytes: fetch gives a string body "text/plain;charset=UTF-8" of its own
      body: new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body)),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get("content-type") ?? "", text };
  };
  return {
    post,
    logs,
    runtime: r.runtime,
    async [Symbol.asyncDispose]() {
      await http[Symbol.asyncDispose]();
      await r[Symbol.asyncDispose]();
    },
  };
}

/**
 * `ingest`: taking messages in. Warden's real webhook (`routes/telegram.ts` with the grammY bot
 * of `bot/bot.ts`) on loopback, fed group-message updates by `concurrency` keep-alive HTTP
 * connections from this process (`fetch`), against the bound: a bare `Deno.serve` that parses
 * the same update and makes one `INSERT` per request into a ledger-shaped table (the ledger's
 * columns, keys and indexes) on the same database, under the same load.
 */
import { Hono } from "hono";
import type postgres from "postgres";
import { createLogger } from "../actors/log.ts";
import { createBot } from "../bot/bot.ts";
import { connectClient } from "../db/connect.ts";
import { migrate } from "../db/migrate.ts";
import { syncLevels } from "../domain/levels.ts";
import { seedCommunity } from "../domain/seed.ts";
import { telegramRoutes } from "../routes/telegram.ts";
import { botApiDouble } from "../tests/fakes/bot_api.ts";
import { checkpoint, cpuSplitMeter, freshDatabase } from "./measure.ts";
import { parseBenchArgs, USAGE } from "./options.ts";

export interface IngestOptions {
  /** A server to create the fresh database on; default `DATABASE_URL`, else embedded PGlite. */
  databaseUrl?: string;
  updates: number;
  concurrency: number;
  members: number;
  chats: number;
}

export interface IngestLine {
  job: "ingest";
  updates: number;
  concurrency: number;
  updates_per_s: number;
  p50_ms: number;
  p99_ms: number;
  bound_updates_per_s: number;
  bound_p99_ms: number;
  vs_bound: number;
  /** CPU per update in µs, this process and the local server together (`cpuMeter`); null without `/proc`. */
  cpu_us: number | null;
  bound_cpu_us: number | null;
  /** Warden's CPU per update over the bare server's: the steadier figure (throughput moves with what else the machine does). */
  cpu_vs_bound: number | null;
  /** `cpu_us` split: this process (the loader's `fetch` included, as in the bound's) and the server's backends. */
  app_cpu_us: number | null;
  db_cpu_us: number | null;
  bound_app_cpu_us: number | null;
  bound_db_cpu_us: number | null;
}

const SECRET = "bench-ingest-secret";
const XP = { perMessage: 1, perLink: 3, perThanks: 5, maxPerMinute: 10 };

interface Member {
  chat_id: number;
  user_id: number;
  username: string | null;
  display_name: string;
}

/**
 * The updates, in delivery order: member `i mod n` of a shuffled roster speaks, one message in
 * seven carries a link, one in ten thanks (by reply) the member who spoke before in the same
 * chat. Message dates are one second apart, so a member's ten-odd messages stay under the cap
 * and the cap's windows are read without paying zero.
 */
function makeUpdates(members: Member[], n: number, firstId: number, start: Date): string[] {
  const perChat = new Map<number, number>();
  const lastSpeaker = new Map<number, Member>();
  const out: string[] = [];
  const base = Math.floor(start.getTime() / 1000);
  for (let i = 0; i < n; i++) {
    const m = members[(i * 7919) % members.length];
    const messageId = (perChat.get(m.chat_id) ?? 0) + 1;
    perChat.set(m.chat_id, messageId);
    const chat = { id: m.chat_id, type: "supergroup", title: `Community ${-m.chat_id}` };
    const from = {
      id: m.user_id,
      is_bot: false,
      first_name: m.display_name,
      ...(m.username ? { username: m.username } : {}),
    };
    const date = base + i;
    const previous = lastSpeaker.get(m.chat_id);
    lastSpeaker.set(m.chat_id, m);
    let message: Record<string, unknown>;
    if (i % 7 === 0) {
      const text = `have a look: https://example.com/post/${i}`;
      message = {
        message_id: messageId,
        date,
        chat,
        from,
        text,
        entities: [{ type: "url", offset: 13, length: text.length - 13 }],
      };
    } else if (i % 10 === 3 && previous && previous.user_id !== m.user_id) {
      message = {
        message_id: messageId,
        date,
        chat,
        from,
        text: "thanks!",
        reply_to_message: {
          message_id: messageId - 1,
          date: date - 1,
          chat,
          from: { id: previous.user_id, is_bot: false, first_name: previous.display_name },
          text: "…",
        },
      };
    } else {
      message = { message_id: messageId, date, chat, from, text: `message number ${i}` };
    }
    out.push(JSON.stringify({ update_id: firstId + i, message }));
  }
  return out;
}

/**
 * Posts every body with `concurrency` workers; latencies in ms, the wall time in s, the CPU (of
 * this process and the server's work for `database`, see `cpuMeter`).
 */
async function load(url: string, bodies: string[], concurrency: number, database?: string) {
  const latencies = new Float64Array(bodies.length);
  const failures: string[] = [];
  let next = 0;
  const cpu = cpuSplitMeter(database);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < bodies.length) {
      const i = next++;
      const s = performance.now();
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
        body: bodies[i],
      });
      const text = await res.text();
      latencies[i] = performance.now() - s;
      if (res.status !== 200 && failures.length < 5) failures.push(`${res.status} ${text}`);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  const split = cpu?.();
  const [appUs, dbUs] = split ? [split.app, split.db].map((x) => x * 1e6 / bodies.length) : [];
  const cpuUs = split ? appUs + dbUs : null;
  if (failures.length) throw new Error(`ingest: requests failed: ${failures.join("; ")}`);
  const sorted = latencies.sort();
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  const perS = bodies.length / seconds;
  return { seconds, perS, p50: pct(0.5), p99: pct(0.99), cpuUs, appUs, dbUs };
}

/** Serves `fetch` on an ephemeral loopback port. */
function serveLoopback(handler: (req: Request) => Response | Promise<Response>) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

/** The bound: parse the update, one INSERT of a ledger-shaped row, 200. */
function boundServer(sql: postgres.Sql) {
  return serveLoopback(async (req) => {
    const update = await req.json() as {
      message: { message_id: number; date: number; chat: { id: number }; from: { id: number } };
    };
    const m = update.message;
    try {
      await sql`
        INSERT INTO ingest_bound (chat_id, user_id, amount, reason, source, created_at)
        VALUES (${m.chat.id}, ${m.from.id}, 1, 'message', ${`msg:${m.message_id}`},
                to_timestamp(${m.date}))
        ON CONFLICT (chat_id, user_id, reason, source) DO NOTHING`;
    } catch {
      return new Response(null, { status: 503 });
    }
    return new Response(null, { status: 200 });
  });
}

/** Warden's webhook with the real bot (its Bot API a loopback double: nothing leaves the host). */
function wardenServer(sql: postgres.Sql, apiRoot: string) {
  const log = createLogger({ level: "warn", write: (line) => console.error(line) });
  const bot = createBot({
    token: "123456:BENCH",
    apiRoot,
    sql,
    log,
    xp: XP,
    adminUserIds: [],
    runtime: () => undefined,
  });
  const app = new Hono().route("/telegram", telegramRoutes({ bot, secretToken: SECRET, log }));
  return serveLoopback(app.fetch);
}

export async function ingestBench(o: IngestOptions): Promise<IngestLine> {
  const saved = Deno.env.get("DATABASE_URL");
  if (o.databaseUrl !== undefined) Deno.env.set("DATABASE_URL", o.databaseUrl);
  let fresh;
  try {
    fresh = await freshDatabase();
  } finally {
    if (o.databaseUrl !== undefined) {
      saved === undefined ? Deno.env.delete("DATABASE_URL") : Deno.env.set("DATABASE_URL", saved);
    }
  }
  const { db, drop } = fresh;
  // The bench's own database, whose backends alone count in the server's CPU (not other clients').
  const name = db.kind === "server" ? new URL(db.url).pathname.slice(1) : undefined;
  // The app's own pool on a server (default size 10); embedded PGlite is one connection anyway.
  const sql = db.kind === "server" ? connectClient(db.url, { embedded: false, max: 10 }) : db.sql;
  await using api = botApiDouble({ limits: false });
  try {
    await migrate(db.sql);
    await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
    await seedCommunity(db.sql, { members: o.members, chats: o.chats, now: new Date() });
    await db.sql`CREATE TABLE ingest_bound (LIKE xp_ledger INCLUDING ALL)`;
    await db.sql`VACUUM ANALYZE`;
    const members = await db.sql<Member[]>`
      SELECT chat_id, user_id, username, display_name FROM members ORDER BY chat_id, user_id`;
    const start = new Date(Date.now() - (o.updates + 1_000) * 1000);
    const warmup = Math.min(500, Math.max(o.concurrency, Math.floor(o.updates / 20)));
    const all = makeUpdates(members, warmup + o.updates, 1, start);
    const [warm, measured] = [all.slice(0, warmup), all.slice(warmup)];

    const warden = wardenServer(sql, api.apiRoot);
    let w;
    try {
      await load(`${warden.url}/telegram/webhook`, warm, o.concurrency, name);
      await checkpoint(db.sql);
      w = await load(`${warden.url}/telegram/webhook`, measured, o.concurrency, name);
    } finally {
      await warden.close();
    }
    const [{ paid }] = await db.sql<{ paid: number }[]>`
      SELECT count(*)::int AS paid FROM xp_ledger WHERE reason = 'message' AND source LIKE 'msg:%'`;
    if (paid !== all.length) {
      throw new Error(`ingest: ${all.length} updates answered 200 but ${paid} recorded`);
    }

    const bound = boundServer(sql);
    let b;
    try {
      await load(bound.url, warm, o.concurrency, name);
      await checkpoint(db.sql);
      b = await load(bound.url, measured, o.concurrency, name);
    } finally {
      await bound.close();
    }
    const sends = api.calls.filter((c) => c.method !== "getMe").length;
    if (sends) throw new Error(`ingest: plain messages made ${sends} Bot API calls`);
    const round = (x: number) => +x.toFixed(1);
    const us = (x?: number) => x === undefined ? null : Math.round(x);
    return {
      job: "ingest",
      updates: o.updates,
      concurrency: o.concurrency,
      updates_per_s: Math.round(w.perS),
      p50_ms: round(w.p50),
      p99_ms: round(w.p99),
      bound_updates_per_s: Math.round(b.perS),
      bound_p99_ms: round(b.p99),
      vs_bound: +(w.perS / b.perS).toFixed(2),
      cpu_us: w.cpuUs === null ? null : Math.round(w.cpuUs),
      bound_cpu_us: b.cpuUs === null ? null : Math.round(b.cpuUs),
      cpu_vs_bound: w.cpuUs === null || !b.cpuUs ? null : +(w.cpuUs / b.cpuUs).toFixed(2),
      app_cpu_us: us(w.appUs),
      db_cpu_us: us(w.dbUs),
      bound_app_cpu_us: us(b.appUs),
      bound_db_cpu_us: us(b.dbUs),
    };
  } finally {
    if (sql !== db.sql) await sql.end({ timeout: 5 });
    await drop();
  }
}

/** The ingest phase alone: `deno run -A bench/ingest.ts [--ingest-updates N] [--ingest-concurrency N] [--ingest-members N] [--ingest-chats N]`, one IngestLine as JSON. */
if (import.meta.main) {
  const args = parseBenchArgs(Deno.args);
  if (!args) {
    console.log(USAGE);
    Deno.exit(0);
  }
  console.log(JSON.stringify(
    await ingestBench({
      updates: args["ingest-updates"],
      concurrency: args["ingest-concurrency"],
      members: args["ingest-members"],
      chats: args["ingest-chats"],
    }),
  ));
}

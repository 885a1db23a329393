/**
 * The award's database work alone: `award_messages` called in batches of 14 (as the ingest
 * phase's lanes make them: messages of the ingest phase's mix, chats split over two lanes), one
 * after the other on one connection, on a fresh server database seeded like the ingest phase;
 * prints the CPU the server's backend spent per message (Linux's `/proc/<pid>/stat` of the
 * backend, so this host's server only) and the wall time per message.
 *
 *   DATABASE_URL=… deno run -A bench/award_db.ts [variant.sql …] [--rounds N] [--batches N]
 *
 * Each variant (an SQL file run after the migrations, e.g. a `CREATE OR REPLACE FUNCTION`;
 * `base` for none) gets a fresh database per round, the variants alternated round by round:
 * the machine's other work moves single runs by 10–20 %.
 */
import postgres from "postgres";
import { migrate } from "../db/migrate.ts";
import { awardRules } from "../domain/award.ts";
import { syncLevels } from "../domain/levels.ts";
import { seedCommunity } from "../domain/seed.ts";
import { freshDatabase } from "./measure.ts";

export const SIZE = 14;
export const RULES = JSON.stringify(
  awardRules({ perMessage: 1, perLink: 3, perThanks: 5, maxPerMinute: 10 }),
);
export type Member = {
  chat_id: number;
  user_id: number;
  username: string | null;
  display_name: string;
};

function flag(name: string, fallback: number): number {
  const at = Deno.args.indexOf(name);
  return at >= 0 ? Number(Deno.args[at + 1]) : fallback;
}

/** The backend's user + system CPU in seconds (clock ticks of 10 ms). */
function backendCpu(pid: number): number {
  const f = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

/**
 * The ingest phase's mix (one in seven with a link, one in ten a thanks by reply), as batches;
 * `heavy`: every other message a thanks by reply, no links.
 */
export function batches(members: Member[], n: number, start: number, heavy = false): unknown[][] {
  const perChat = new Map<number, number>();
  const last = new Map<number, Member>();
  const lanes: unknown[][][] = [[], []];
  const open: unknown[][] = [[], []];
  for (let i = 0; i < n; i++) {
    const m = members[(i * 7919) % members.length];
    const id = (perChat.get(m.chat_id) ?? 0) + 1;
    perChat.set(m.chat_id, id);
    const prev = last.get(m.chat_id);
    last.set(m.chat_id, m);
    const link = !heavy && i % 7 === 0;
    const to = !link && (heavy ? i % 2 === 1 : i % 10 === 3) && prev && prev.user_id !== m.user_id
      ? prev
      : null;
    const user = (u: Member) => ({
      user_id: u.user_id,
      name: u.display_name,
      username: u.username,
      is_bot: false,
    });
    const lane = Math.abs(m.chat_id) % 2;
    open[lane].push({
      chat: m.chat_id,
      title: `Community ${-m.chat_id}`,
      kind: "supergroup",
      thread: null,
      source: `msg:${id}`,
      at: new Date((start + i) * 1000).toISOString(),
      language: null,
      base: link ? 3 : 1,
      has_link: link,
      users: [user(m), ...(to ? [user(to)] : [])],
      ids: to ? [to.user_id] : [],
      usernames: [],
    });
    if (open[lane].length === SIZE) {
      lanes[lane].push(open[lane]);
      open[lane] = [];
    }
  }
  const out: unknown[][] = [];
  for (let i = 0; i < Math.max(lanes[0].length, lanes[1].length); i++) {
    for (const lane of lanes) if (lane[i]) out.push(lane[i]);
  }
  return out;
}

async function once(variant: string, count: number) {
  const { db, drop } = await freshDatabase();
  if (db.kind !== "server") throw new Error("award_db: needs DATABASE_URL (a server on this host)");
  try {
    await migrate(db.sql);
    await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
    await seedCommunity(db.sql, { members: 2_000, chats: 20, now: new Date() });
    if (variant !== "base") await db.sql.unsafe(await Deno.readTextFile(variant));
    await db.sql`VACUUM ANALYZE`;
    const members = await db.sql<Member[]>`
      SELECT chat_id, user_id, username, display_name FROM members ORDER BY chat_id, user_id`;
    const all = batches(
      [...members],
      (count + 40) * SIZE,
      Math.floor(Date.now() / 1000) - (count + 40) * SIZE - 1_000,
    );
    const c = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const call = (b: unknown[]) =>
        c`SELECT award_messages(${JSON.stringify(b)}::text::jsonb, ${RULES}::text::jsonb)`;
      const [{ pid }] = await c<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
      for (const b of all.slice(0, 40)) await call(b);
      await c`CHECKPOINT`;
      const cpu0 = backendCpu(pid);
      const t0 = performance.now();
      let n = 0;
      for (const b of all.slice(40)) {
        n += b.length;
        await call(b);
      }
      return {
        variant,
        messages: n,
        backend_cpu_us: Math.round((backendCpu(pid) - cpu0) * 1e6 / n),
        wall_us: Math.round((performance.now() - t0) * 1000 / n),
      };
    } finally {
      await c.end();
    }
  } finally {
    await drop();
  }
}

if (import.meta.main) {
  const skip = new Set(["--rounds", "--batches"].flatMap((f) => {
    const at = Deno.args.indexOf(f);
    return at >= 0 ? [at, at + 1] : [];
  }));
  const variants = Deno.args.filter((_, i) => !skip.has(i));
  const rounds = flag("--rounds", 3);
  const count = flag("--batches", 600);
  const all: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const v of variants.length ? variants : ["base"]) {
      const line = await once(v, count);
      (all[v] ??= []).push(line.backend_cpu_us);
      console.log(JSON.stringify(line));
    }
  }
  console.log(JSON.stringify({ backend_cpu_us: all }));
}

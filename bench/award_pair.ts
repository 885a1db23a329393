/**
 * `bench/award_db.ts`'s work, paired: two databases (the current functions, `base`, and a variant
 * SQL file run after the migrations; or two variants) seeded alike and fed the same batches, a
 * chunk of batches to one then the same chunk to the other (which goes first swaps every chunk).
 * Each chunk's backend CPU per message (Linux's `/proc/<pid>/schedstat`, nanoseconds) on both
 * sides is taken within the same second or two, so the machine's other work, which moves
 * `award_db.ts`'s single runs by 10–20 %, weighs on both alike: it prints each side's CPU per
 * message and the median (and quartiles) of the chunks' ratios, second to first.
 *
 *   DATABASE_URL=… deno run -A bench/award_pair.ts base variant.sql [--batches N] [--chunk N] [--heavy]
 *
 * `--heavy`: every other message a thanks (the path of one message at a time), no links.
 * `base base` shows the method's own spread (its ratio's median was 0.997–1.000).
 */
import postgres from "postgres";
import { migrate } from "../db/migrate.ts";
import { syncLevels } from "../domain/levels.ts";
import { seedCommunity } from "../domain/seed.ts";
import { batches, type Member, RULES, SIZE } from "./award_db.ts";
import { freshDatabase } from "./measure.ts";

function flag(name: string, fallback: number): number {
  const at = Deno.args.indexOf(name);
  return at >= 0 ? Number(Deno.args[at + 1]) : fallback;
}

/** Nanoseconds a process has run on a CPU. */
function onCpu(pid: number): number {
  return Number(Deno.readTextFileSync(`/proc/${pid}/schedstat`).split(" ")[0]);
}

function quantile(xs: number[], p: number): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))];
}

async function side(variant: string) {
  const { db, drop } = await freshDatabase();
  if (db.kind !== "server") {
    throw new Error("award_pair: needs DATABASE_URL (a server on this host)");
  }
  await migrate(db.sql);
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  await seedCommunity(db.sql, { members: 2_000, chats: 20, now: new Date(1_790_000_000_000) });
  if (variant !== "base") await db.sql.unsafe(await Deno.readTextFile(variant));
  await db.sql`VACUUM ANALYZE`;
  const members = await db.sql<Member[]>`
    SELECT chat_id, user_id, username, display_name FROM members ORDER BY chat_id, user_id`;
  const c = postgres(db.url, { max: 1, onnotice: () => {} });
  const [{ pid }] = await c<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
  const call = (b: unknown[]) =>
    c`SELECT award_messages(${JSON.stringify(b)}::text::jsonb, ${RULES}::text::jsonb)`;
  const close = async () => {
    await c.end();
    await drop();
  };
  return { variant, members: [...members], call, pid, close };
}

if (import.meta.main) {
  const variants = Deno.args.filter((a) => a === "base" || a.endsWith(".sql"));
  if (variants.length !== 2) throw new Error("award_pair: expected two variants (base or .sql)");
  const count = flag("--batches", 600);
  const chunk = flag("--chunk", 10);
  const sides = [await side(variants[0]), await side(variants[1])];
  try {
    const start = 1_790_000_000 - (count + 40) * SIZE;
    const all = batches(
      sides[0].members,
      (count + 40) * SIZE,
      start,
      Deno.args.includes("--heavy"),
    );
    for (const s of sides) for (const b of all.slice(0, 40)) await s.call(b);
    const per: number[][] = [[], []];
    const rest = all.slice(40);
    for (let i = 0; i < rest.length; i += chunk) {
      const part = rest.slice(i, i + chunk);
      const n = part.reduce((sum, b) => sum + b.length, 0);
      for (const k of (i / chunk) % 2 === 0 ? [0, 1] : [1, 0]) {
        const t0 = onCpu(sides[k].pid);
        for (const b of part) await sides[k].call(b);
        per[k].push((onCpu(sides[k].pid) - t0) / 1000 / n);
      }
    }
    for (const k of [0, 1]) {
      const mean = per[k].reduce((a, b) => a + b, 0) / per[k].length;
      console.log(JSON.stringify({ variant: variants[k], backend_cpu_us: Math.round(mean) }));
    }
    const ratios = per[1].map((x, i) => x / per[0][i]);
    console.log(JSON.stringify({
      ratio: {
        median: quantile(ratios, 0.5).toFixed(3),
        p25: quantile(ratios, 0.25).toFixed(3),
        p75: quantile(ratios, 0.75).toFixed(3),
      },
    }));
  } finally {
    for (const s of sides) await s.close();
  }
}

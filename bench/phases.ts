/**
 * The phases that need a database or a process of their own: taking messages in through the
 * webhook (`ingest.ts`), `leaderboard-recalc` on a short and a long history (`board_history.ts`),
 * and Warden's memory (`footprint.ts`). Each gives its JSON line and its human one.
 */
import { boardHistoryBench } from "./board_history.ts";
import { footprintBench } from "./footprint.ts";
import { ingestBench } from "./ingest.ts";
import { freshDatabase } from "./measure.ts";
import type { BenchArgs } from "./options.ts";

export interface PhaseLine {
  line: Record<string, unknown>;
  text: string;
}

const mb = (
  f: {
    first_start_peak_mb: number;
    ready_mb: number;
    idle_30s_mb: number;
    after_level_ups_mb: number;
  },
) =>
  `peak_mb=${f.first_start_peak_mb} ready_mb=${f.ready_mb} idle_mb=${f.idle_30s_mb} ` +
  `after_level_ups_mb=${f.after_level_ups_mb}`;

export async function laterPhases(a: BenchArgs): Promise<PhaseLine[]> {
  const ingest = await ingestBench({
    updates: a["ingest-updates"],
    concurrency: a["ingest-concurrency"],
    members: a["ingest-members"],
    chats: a["ingest-chats"],
  });
  const { db, drop } = await freshDatabase();
  let history;
  try {
    history = await boardHistoryBench(db.sql, {
      members: a["history-members"],
      small: Math.max(a["history-small"], a["history-members"]),
      large: Math.max(a["history-large"], a["history-small"] + 1, a["history-members"] + 1),
    });
  } finally {
    await drop();
  }
  const footprint = await footprintBench({
    members: a["footprint-members"],
    idleMs: a["footprint-idle-s"] * 1000,
  });
  return [
    {
      line: { ...ingest },
      text: `ingest updates=${ingest.updates} concurrency=${ingest.concurrency} ` +
        `updates_per_s=${ingest.updates_per_s} p50_ms=${ingest.p50_ms} p99_ms=${ingest.p99_ms} ` +
        `bound_updates_per_s=${ingest.bound_updates_per_s} bound_p99_ms=${ingest.bound_p99_ms} ` +
        `vs_bound=${ingest.vs_bound} cpu_us=${ingest.cpu_us} bound_cpu_us=${ingest.bound_cpu_us} ` +
        `cpu_vs_bound=${ingest.cpu_vs_bound} app_cpu_us=${ingest.app_cpu_us} ` +
        `db_cpu_us=${ingest.db_cpu_us} bound_app_cpu_us=${ingest.bound_app_cpu_us} ` +
        `bound_db_cpu_us=${ingest.bound_db_cpu_us}`,
    },
    {
      line: { ...history },
      text: `board-history members=${history.members} ledger=${history.ledger_small}→` +
        `${history.ledger_large} seconds=${history.seconds_small}→${history.seconds_large} ` +
        `ratio=${history.ratio}`,
    },
    {
      line: { ...footprint },
      text: `footprint members=${footprint.members} embedded: ${mb(footprint.embedded)}` +
        (footprint.server ? `; server: ${mb(footprint.server)}` : ""),
    },
  ];
}

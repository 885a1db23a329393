import type postgres from "postgres";
import { SENDING } from "./case_settle.ts";
import type { Address, Hex } from "./evm_types.ts";

/** Which table an item lives in: rewards are keyed by id, anchors by their case. */
export interface Kind {
  table: "case_rewards" | "case_anchors";
  key: "id" | "case_id";
  settled: boolean;
}
export const REWARD: Kind = { table: "case_rewards", key: "id", settled: true };
export const ANCHOR: Kind = { table: "case_anchors", key: "case_id", settled: false };

export interface Item {
  id: number;
  tx_hash: Hex | null;
  last_error: string | null;
  created_at: Date;
  /** Rewards: the member's wallet (null if none) and the XP. Anchors: the commitment. */
  address?: Address | null;
  amount?: number;
  commitment?: string;
}

/** A span as people say it: "24 h", "90 min", "45 s". */
export function span(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}

/**
 * What `settlement-monitor` looks at in a run: `batch` items still `processing`, anchors then
 * `evm` rewards, oldest first (`case_rewards_processing`). `sentOnly` (the `xp` rail): only
 * those with a hash to watch, or a send claimed (a stale claim is failed, never sent again).
 */
export async function toSettle(
  db: postgres.Sql,
  o: { batch: number; sentOnly: boolean },
): Promise<{ anchors: Item[]; rewards: Item[] }> {
  const claimed = SENDING + "%";
  const anchors = await db<Item[]>`
    SELECT a.case_id AS id, a.tx_hash, a.last_error, a.created_at, c.commitment
    FROM case_anchors a JOIN cases c ON c.id = a.case_id
    WHERE a.state = 'processing'
      ${o.sentOnly ? db`AND (a.tx_hash IS NOT NULL OR a.last_error LIKE ${claimed})` : db``}
    ORDER BY a.created_at, a.case_id LIMIT ${o.batch}`;
  const rewards = anchors.length >= o.batch ? [] : await db<Item[]>`
    SELECT r.id, r.tx_hash, r.last_error, r.created_at, r.amount, w.address
    FROM case_rewards r LEFT JOIN wallets w ON w.user_id = r.user_id
    WHERE r.state = 'processing' AND r.rail = 'evm'
      ${o.sentOnly ? db`AND (r.tx_hash IS NOT NULL OR r.last_error LIKE ${claimed})` : db``}
    ORDER BY r.created_at, r.id LIMIT ${o.batch - anchors.length}`;
  return { anchors: [...anchors], rewards: [...rewards] };
}

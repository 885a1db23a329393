// The shared setup of the settlement tests: a real local EVM node's rail, members with wallets,
// closed cases with evm rewards (and anchors), and what the database and the chain hold.
import postgres from "postgres";
import { decodeRewardData, evmRail } from "../../domain/evm_rail.ts";
import type { EvmRail, Hex } from "../../domain/evm_types.ts";
import { community } from "./community.ts";
import type { EvmNode } from "./evm_node.ts";

export const SLOT = new Date("2026-06-02T00:00:00Z");
export const H = 3_600_000;
export const at = (ms: number) => new Date(SLOT.getTime() + ms);
export const ADMIN = -100;
/** Made-up member wallets (all lowercase: no checksum to get wrong). */
export const wallet = (u: number) => `0x${(0xa000 + u).toString(16).padStart(40, "0")}`;

export function railOn(node: EvmNode, confirmations = 1, rpcUrl = node.rpcUrl) {
  const o = { privateKey: node.privateKeys[0], chainId: node.chainId, timeoutMs: 2_000 };
  return evmRail({ ...o, rpcUrl, confirmations });
}

/** The rail, each checkCommitment answer held until two are waiting: two replicas surely race. */
export function paired(rail: EvmRail): EvmRail {
  let waiting: Array<() => void> = [];
  const meet = () =>
    new Promise<void>((go) => {
      waiting.push(go);
      if (waiting.length === 2) (waiting.forEach((f) => f()), waiting = []);
    });
  return { ...rail, checkCommitment: (h, c) => rail.checkCommitment(h, c).finally(meet) };
}

/** Members 1..n of chat -1, each with a linked wallet unless listed in `without`. */
export async function members(sql: postgres.Sql, n: number, without: number[] = []) {
  await community(sql, { id: -1 }, Array.from({ length: n }, (_, i) => ({ user: i + 1 })));
  const linked = Array.from({ length: n }, (_, i) => i + 1).filter((u) => !without.includes(u));
  await sql`INSERT INTO wallets ${sql(linked.map((u) => ({ user_id: u, address: wallet(u) })))}`;
}

/** A closed case whose members `users` each have an evm reward of 10·u XP, written at SLOT. */
export async function closedCase(sql: postgres.Sql, key: string, users: number[], anchor = false) {
  const commitment = crypto.randomUUID().replaceAll("-", "").padStart(64, "c");
  const [{ id }] = await sql<{ id: number }[]>`
    INSERT INTO cases (source, source_key, title, body, options, verdict, reasoning, salt,
                       commitment, status, opens_at, closes_at, closed_at)
    VALUES ('bank', ${key}, '{"en":"t","es":"t"}', '{"en":"b","es":"b"}',
            '[{"id":"a","label":{"en":"A","es":"A"}},{"id":"b","label":{"en":"B","es":"B"}}]',
            'a', '{"en":"r","es":"r"}', 'salt', ${commitment}, 'closed', ${SLOT}, ${SLOT}, ${SLOT})
    RETURNING id`;
  await sql`
    INSERT INTO case_rewards (case_id, user_id, kind, amount, chat_id, rail, created_at)
    SELECT ${id}, u, 'participant', 10 * u, -1, 'evm', ${SLOT} FROM unnest(${users}::bigint[]) u`;
  if (anchor) await sql`INSERT INTO case_anchors (case_id, created_at) VALUES (${id}, ${SLOT})`;
  return { id, commitment };
}

export type Reward = { id: number; user_id: number; state: string; tx_hash: Hex; attempts: number };
export const rewards = (sql: postgres.Sql) =>
  sql<(Reward & { last_error: string })[]>`
    SELECT id, user_id, state, tx_hash, attempts, last_error FROM case_rewards ORDER BY id`;
export const balances = async (sql: postgres.Sql) =>
  (await sql`SELECT user_id, xp FROM members WHERE chat_id = -1 ORDER BY user_id`)
    .map((r) => [r.user_id, r.xp]);

/** Every mined transaction from Warden's account: its recipient and reward id (null: an anchor). */
export async function onChain(node: EvmNode) {
  const head = Number(await node.rpc<Hex>("eth_blockNumber"));
  const out: Array<{ to: string; id: number | null; hash: Hex; input: Hex }> = [];
  for (let b = 0; b <= head; b++) {
    type Tx = { from: string; to: string; input: Hex; hash: Hex };
    const block = await node.rpc<{ transactions: Tx[] }>("eth_getBlockByNumber", [
      `0x${b.toString(16)}`,
      true,
    ]);
    const mine = block.transactions.filter((t) => t.from === node.accounts[0].toLowerCase());
    out.push(...mine.map((t) => ({ ...t, id: decodeRewardData(t.input) })));
  }
  return out;
}

// SETTLEMENT_RAIL switched from evm to xp: the evm rewards never sent are credited once as XP
// (by case-closure and by settlement-monitor), and the monitor only watches what was already
// sent. A real local chain (ganache) and a real test database.
import assert from "node:assert/strict";
import type postgres from "postgres";
import { caseClosureJob } from "../domain/case_closure.ts";
import { settlementMonitorJob } from "../domain/settlement_monitor.ts";
import { testDatabase } from "./db.ts";
import { runJob } from "./fakes/community.ts";
import { type EvmNode, startEvmNode } from "./fakes/evm_node.ts";
import {
  at,
  balances,
  closedCase,
  H,
  members,
  onChain,
  railOn,
  rewards,
  SLOT,
} from "./fakes/settlement.ts";

/**
 * On evm: user 1's reward sent (pending, automine off); case 2's rewards (users 2–4) and anchor
 * not yet — user 3's after one refused send, user 4's claimed by a run that may have sent it.
 */
async function stranded(sql: postgres.Sql, node: EvmNode) {
  await members(sql, 4);
  await closedCase(sql, "t:1", [1]);
  await node.setAutomine(false);
  const monitor = settlementMonitorJob({ rail: railOn(node) });
  assert.equal((await runJob(monitor, sql, SLOT)).details!.sent, 1);
  const c2 = await closedCase(sql, "t:2", [2, 3, 4], true);
  await sql`UPDATE case_rewards SET attempts = 1, last_error = 'nonce too low' WHERE user_id = 3`;
  await sql`UPDATE case_rewards SET last_error = ${`sending since ${SLOT.toISOString()}`}
            WHERE user_id = 4`;
  return c2;
}

Deno.test("rail switched to xp: case-closure credits the unsent evm rewards once as XP, not the sent or claimed ones", async () => {
  await using node = await startEvmNode();
  await using db = await testDatabase();
  const c2 = await stranded(db.sql, node);
  const closure = caseClosureJob({ pool: 1000, rail: "xp" });
  await runJob(closure, db.sql, at(5 * 60_000));
  await runJob(closure, db.sql, at(10 * 60_000));
  assert.deepEqual(await balances(db.sql), [[1, 0], [2, 20], [3, 30], [4, 0]]);
  const ledger = await db.sql`SELECT user_id, amount, source FROM xp_ledger ORDER BY user_id`;
  assert.deepEqual(ledger.map((l) => [l.user_id, l.amount, l.source]), [
    [2, 20, `case:${c2.id}:participant:0`],
    [3, 30, `case:${c2.id}:participant:0`],
  ]);
  const rows = await db.sql`SELECT user_id, rail, state FROM case_rewards ORDER BY user_id`;
  assert.deepEqual(rows.map((r) => [r.user_id, r.rail, r.state]), [
    [1, "evm", "processing"],
    [2, "xp", "completed"],
    [3, "xp", "completed"],
    [4, "evm", "processing"],
  ]);
});

Deno.test("rail switched to xp: settlement-monitor credits unsent rewards, watches the sent one to its end, sends nothing new", async () => {
  await using node = await startEvmNode();
  await using db = await testDatabase();
  const c2 = await stranded(db.sql, node);
  const monitor = settlementMonitorJob({ rail: railOn(node), settlementRail: "xp" });
  await node.mine(1);
  const run = await runJob(monitor, db.sql, at(H));
  assert.deepEqual(run.details, { sent: 0, completed: 3, failed: 1, anchored: 0 });
  await runJob(monitor, db.sql, at(H + 30_000));
  assert.deepEqual(await balances(db.sql), [[1, 10], [2, 20], [3, 30], [4, 0]]);
  const rows = await rewards(db.sql);
  assert.deepEqual(rows.map((r) => r.state), ["completed", "completed", "completed", "failed"]);
  assert.match(rows[3].last_error, /^send interrupted/, "the claimed one: for an operator");
  const [anchor] = await db.sql`SELECT state, tx_hash FROM case_anchors WHERE case_id = ${c2.id}`;
  assert.deepEqual([anchor.state, anchor.tx_hash], ["processing", null], "not anchored on xp");
  await node.mine(1);
  assert.equal((await onChain(node)).length, 1, "only user 1's reward ever went out");
  assert.equal((await db.sql`SELECT count(*)::int AS n FROM xp_ledger`)[0].n, 3, "once each");
});

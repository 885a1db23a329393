// settlement-monitor when the EVM node is flaky: a failed status check or a send whose answer
// was lost after signing never fails (or re-sends) a payout that may be mined. A real local
// chain (ganache) and a real test database; the faults are injected around the real rail.
import assert from "node:assert/strict";
import { type EvmRail, RpcUnavailableError } from "../domain/evm_types.ts";
import { settlementMonitorJob } from "../domain/settlement_monitor.ts";
import { testDatabase } from "./db.ts";
import { runJob } from "./fakes/community.ts";
import { startEvmNode } from "./fakes/evm_node.ts";
import {
  at,
  balances,
  closedCase,
  members,
  onChain,
  railOn,
  rewards,
  SLOT,
} from "./fakes/settlement.ts";

/** The rail with its status checks failing as an unreachable node's do while `down.status`. */
function flaky(rail: EvmRail, down: { status: boolean }): EvmRail {
  return {
    ...rail,
    address: rail.address,
    status: (hash) =>
      down.status
        ? Promise.reject(new RpcUnavailableError(`EVM node unavailable during status of ${hash}`))
        : rail.status(hash),
  };
}

/** The rail whose sends go out but whose answers are lost after signing (the hash is known). */
function lossy(rail: EvmRail): EvmRail {
  const lost = (hash: string) => {
    throw new RpcUnavailableError("EVM node unavailable during send: answer lost", hash as never);
  };
  return {
    ...rail,
    address: rail.address,
    sendReward: (to, reward) => rail.sendReward(to, reward).then(lost),
    anchorCommitment: (hash) => rail.anchorCommitment(hash).then(lost),
  };
}

Deno.test("settlement-monitor: failed status checks do not count as attempts; the mined reward is credited once the node answers", async () => {
  await using node = await startEvmNode();
  await using db = await testDatabase();
  await members(db.sql, 1);
  await closedCase(db.sql, "t:1", [1]);
  const down = { status: false };
  const job = settlementMonitorJob({ rail: flaky(railOn(node), down), maxAttempts: 2 });
  assert.equal((await runJob(job, db.sql, SLOT)).details!.sent, 1);
  down.status = true;
  for (const s of [1, 2]) {
    await assert.rejects(runJob(job, db.sql, at(s * 30_000)), /every call to the EVM node failed/);
  }
  const [flakyRow] = await rewards(db.sql);
  assert.deepEqual([flakyRow.state, flakyRow.attempts], ["processing", 0], "still watched");
  down.status = false;
  const back = await runJob(job, db.sql, at(90_000));
  assert.deepEqual(back.details, { sent: 0, completed: 1, failed: 0, anchored: 0 });
  assert.deepEqual(await balances(db.sql), [[1, 10]]);
  assert.equal((await onChain(node)).length, 1, "sent once");
});

Deno.test("settlement-monitor: a send that fails after its hash is known keeps the hash and is watched, never sent again", async () => {
  await using node = await startEvmNode();
  await using db = await testDatabase();
  await members(db.sql, 2);
  const c = await closedCase(db.sql, "t:1", [1, 2], true);
  // One refused send already counted: the next counted error would fail the reward.
  await db.sql`UPDATE case_rewards SET attempts = 1, last_error = 'refused' WHERE user_id = 1`;
  const job = settlementMonitorJob({ rail: lossy(railOn(node)), maxAttempts: 2 });
  // Every answer lost: the run fails (the node looks down), yet nothing is counted against them.
  await assert.rejects(runJob(job, db.sql, SLOT), /every call to the EVM node failed/);
  const sent = await rewards(db.sql);
  assert.deepEqual(sent.map((r) => [r.state, r.attempts]), [["processing", 1], [
    "processing",
    0,
  ]]);
  for (const r of sent) assert.match(r.tx_hash, /^0x[0-9a-f]{64}$/, "the hash is kept");
  const [anchor] = await db.sql`SELECT state, tx_hash FROM case_anchors WHERE case_id = ${c.id}`;
  assert.deepEqual([anchor.state, /^0x[0-9a-f]{64}$/.test(anchor.tx_hash)], ["processing", true]);
  const watched = await runJob(job, db.sql, at(30_000));
  assert.deepEqual(watched.details, { sent: 0, completed: 3, failed: 0, anchored: 0 });
  assert.deepEqual(await balances(db.sql), [[1, 10], [2, 20]]);
  const chain = await onChain(node);
  assert.deepEqual(
    chain.map((t) => t.id).sort(),
    [...sent.map((r) => r.id), null].sort(),
    "each reward and the anchor sent once",
  );
});

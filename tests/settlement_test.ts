// settlement-monitor and verdict-check against a real local EVM node (ganache, started by each
// test; account 0 is Warden's key, the others and made-up addresses are members' wallets) and a
// real test database (DATABASE_URL's server, or embedded PGlite).
import assert from "node:assert/strict";
import postgres from "postgres";
import type { Hex } from "../domain/evm_types.ts";
import { settlementMonitorJob } from "../domain/settlement_monitor.ts";
import { verdictCheckJob } from "../domain/verdict_check.ts";
import { testDatabase } from "./db.ts";
import { runJob } from "./fakes/community.ts";
import { withDeadline } from "./fakes/deadline.ts";
import { startEvmNode } from "./fakes/evm_node.ts";
import {
  ADMIN,
  at,
  balances,
  closedCase,
  H,
  members,
  onChain,
  paired,
  railOn,
  rewards,
  SLOT,
  wallet,
} from "./fakes/settlement.ts";

Deno.test("settlement-monitor: rewards sent, pending until confirmed, then completed with XP credited once", async () => {
  await using node = await startEvmNode();
  await using db = await testDatabase();
  await members(db.sql, 3);
  await closedCase(db.sql, "t:1", [1, 2, 3]);
  const job = settlementMonitorJob({ rail: railOn(node, 2) });
  await node.setAutomine(false);
  const first = await runJob(job, db.sql, SLOT);
  assert.deepEqual(first.details, { sent: 3, completed: 0, failed: 0, anchored: 0 });
  const sent = await rewards(db.sql);
  for (const r of sent) {
    assert.equal(r.state, "processing");
    assert.match(r.tx_hash!, /^0x[0-9a-f]{64}$/);
    assert.equal(r.last_error, null);
  }
  assert.equal((await runJob(job, db.sql, at(30_000))).changed, 0, "pending: watched, kept");
  await node.mine(1);
  assert.equal((await runJob(job, db.sql, at(60_000))).changed, 0, "1 of 2 confirmations");
  assert.deepEqual(await balances(db.sql), [[1, 0], [2, 0], [3, 0]]);
  await node.mine(1);
  const done = await runJob(job, db.sql, at(90_000));
  assert.deepEqual(done.details, { sent: 0, completed: 3, failed: 0, anchored: 0 });
  assert.deepEqual(
    (await rewards(db.sql)).map((r) => [r.state, r.tx_hash]),
    sent.map((r) => ["completed", r.tx_hash]),
  );
  assert.deepEqual(await balances(db.sql), [[1, 10], [2, 20], [3, 30]]);
  const ledger = await db.sql`SELECT user_id, amount, reason FROM xp_ledger ORDER BY user_id`;
  const paid = ledger.map((l) => `${l.user_id}:${l.amount}:${l.reason}`);
  assert.deepEqual(paid, ["1:10:case", "2:20:case", "3:30:case"]);
  const rerun = await runJob(job, db.sql, at(120_000));
  assert.deepEqual([rerun.processed, rerun.changed], [0, 0], "a second run changes nothing");
  assert.deepEqual(await balances(db.sql), [[1, 10], [2, 20], [3, 30]]);
  // On chain: one transaction per reward, to the member's wallet, carrying the reward's id.
  const chain = await onChain(node);
  assert.deepEqual(
    chain.map((t) => [t.id, t.to, t.hash]).sort(),
    sent.map((r) => [r.id, wallet(r.user_id), r.tx_hash]).sort(),
  );
});

Deno.test("settlement-monitor: a dropped transaction fails after 24 h without XP; no wallet and an interrupted send fail, unsent", async () => {
  await using node = await startEvmNode();
  await using db = await testDatabase();
  await members(db.sql, 3, [2]);
  await closedCase(db.sql, "t:1", [1, 2, 3]);
  // User 3's send was claimed by a run that died before storing a hash.
  const claim = `sending since ${SLOT.toISOString()}`;
  await db.sql`UPDATE case_rewards SET last_error = ${claim} WHERE user_id = 3`;
  const job = settlementMonitorJob({ rail: railOn(node) });
  await node.setAutomine(false);
  const first = await runJob(job, db.sql, at(60_000));
  assert.deepEqual(first.details, { sent: 1, completed: 0, failed: 1, anchored: 0 });
  const [one, two] = await rewards(db.sql);
  assert.deepEqual([two.state, two.last_error], ["failed", "the member has no linked wallet"]);
  await node.dropTransaction(one.tx_hash!);
  assert.equal((await runJob(job, db.sql, at(H))).changed, 1, "the stale claim fails, unsent");
  const after = await rewards(db.sql);
  assert.deepEqual(
    [after[0].state, after[0].tx_hash],
    ["processing", one.tx_hash],
    "not found: kept",
  );
  assert.equal(after[2].state, "failed");
  assert.match(after[2].last_error!, /^send interrupted .*wardenReward\(3\)/);
  assert.equal((await runJob(job, db.sql, at(24 * H))).changed, 0, "24 h exactly: kept");
  const late = await runJob(job, db.sql, at(24 * H + 1_000));
  assert.deepEqual(late.details, { sent: 0, completed: 0, failed: 1, anchored: 0 });
  const [dropped] = await rewards(db.sql);
  assert.equal(
    `${dropped.state}: ${dropped.last_error}`,
    "failed: transaction not found after 24 h",
  );
  assert.deepEqual(await balances(db.sql), [[1, 0], [2, 0], [3, 0]]);
  assert.equal((await db.sql`SELECT count(*)::int AS n FROM xp_ledger`)[0].n, 0);
  await node.mine(1);
  assert.deepEqual(await onChain(node), [], "nothing was sent again");
});

Deno.test("settlement-monitor: an RPC that is down counts failed sends and fails at maxAttempts; a sent reward is kept and watched", async () => {
  const node = await startEvmNode();
  try {
    await using db = await testDatabase();
    await members(db.sql, 2);
    await closedCase(db.sql, "t:1", [1]);
    // A closed port: nothing is signed, so nothing can be in flight.
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    l.close();
    const down = settlementMonitorJob({
      rail: railOn(node, 1, `http://127.0.0.1:${(l.addr as Deno.NetAddr).port}`),
      maxAttempts: 3,
    });
    for (const attempt of [1, 2, 3]) {
      await assert.rejects(
        runJob(down, db.sql, at(attempt * 30_000)),
        /every call to the EVM node failed/,
      );
      const [r] = await rewards(db.sql);
      assert.deepEqual([r.attempts, r.state, r.tx_hash], [
        attempt,
        attempt < 3 ? "processing" : "failed",
        null,
      ]);
      assert.match(r.last_error!, /unavailable/);
    }
    // Sent, then the node goes away while it is pending: the hash is kept and watched, the
    // failed status checks are not counted (they say nothing of the transaction).
    await closedCase(db.sql, "t:2", [2]);
    const job = settlementMonitorJob({ rail: railOn(node), maxAttempts: 2 });
    await node.setAutomine(false);
    assert.equal((await runJob(job, db.sql, at(H))).details!.sent, 1);
    const [, sent] = await rewards(db.sql);
    await node.stop();
    for (const t of [H + 30_000, H + 60_000, H + 90_000]) {
      await assert.rejects(
        runJob(job, db.sql, at(t)),
        /every call to the EVM node failed \(1 errors, 0 items failed\)/,
      );
    }
    const [, r] = await rewards(db.sql);
    assert.deepEqual([r.state, r.attempts, r.tx_hash], ["processing", 0, sent.tx_hash]);
    assert.match(r.last_error!, /unavailable during status of/);
    assert.deepEqual(await balances(db.sql), [[1, 0], [2, 0]]);
  } finally {
    await node.stop();
  }
});

Deno.test("settlement-monitor: two replicas at once send each reward exactly once", async () => {
  await using node = await startEvmNode();
  await using db = await testDatabase();
  const n = 12;
  await members(db.sql, n);
  await closedCase(db.sql, "t:1", Array.from({ length: n }, (_, i) => i + 1));
  // One rail (one process's nonce order): what is under test is the database claim.
  const job = settlementMonitorJob({ rail: railOn(node) });
  const other = postgres(db.url, { max: 2, onnotice: () => {} });
  try {
    for (let i = 0; i < 3; i++) {
      const runs = await Promise.all([
        runJob(job, db.sql, at(i * 30_000)),
        runJob(job, other, at(i * 30_000)),
      ]);
      const sent = runs.map((r) => r.details!.sent as number);
      if (i === 0) assert.equal(sent[0] + sent[1], n, `sent by the two replicas: ${sent}`);
    }
  } finally {
    await other.end();
  }
  const rows = await rewards(db.sql);
  assert.deepEqual(rows.map((r) => r.state), Array(n).fill("completed"));
  const chain = await onChain(node);
  const ids = chain.map((t) => t.id).sort((a, b) => a! - b!);
  assert.deepEqual(ids, rows.map((r) => r.id), "one transaction per reward on chain");
  assert.equal(
    Number(await node.rpc<Hex>("eth_getTransactionCount", [node.accounts[0], "latest"])),
    n,
  );
  assert.deepEqual(await balances(db.sql), rows.map((r) => [r.user_id, 10 * r.user_id]));
});

Deno.test("anchors: anchored and confirmed, verdict-check ok; a mismatching anchor opens one incident with one alert", async () => {
  await using node = await startEvmNode();
  await using db = await testDatabase();
  const rail = railOn(node);
  const good = await closedCase(db.sql, "t:1", [], true);
  const bad = await closedCase(db.sql, "t:2", [], true);
  // The bad case's anchor holds another transaction's hash: a reward's.
  const other = await rail.sendReward(wallet(1) as Hex, { id: 99, amount: 1 });
  await db.sql`UPDATE case_anchors SET tx_hash = ${other} WHERE case_id = ${bad.id}`;
  const monitor = settlementMonitorJob({ rail });
  const check = verdictCheckJob({ rail: paired(rail), adminChatId: ADMIN });
  await node.setAutomine(false);
  const sent = await runJob(monitor, db.sql, SLOT);
  assert.deepEqual(sent.details, { sent: 0, completed: 1, failed: 0, anchored: 1 });
  const replica = postgres(db.url, { max: 2, onnotice: () => {} });
  const both = (t: Date) =>
    withDeadline(
      Promise.all([runJob(check, db.sql, t), runJob(check, replica, t)]),
      "two verdict-check runs",
      { deadlineMs: 30_000 },
    );
  try {
    const [a, b] = await both(SLOT);
    assert.equal(a.details!.mismatch as number + (b.details!.mismatch as number), 1);
    assert.deepEqual([a.details!.pending, b.details!.pending], [1, 1], "good: pending");
    await node.mine(1);
    assert.deepEqual((await runJob(monitor, db.sql, at(30_000))).details!.completed, 1);
    const runs = await both(at(H));
    assert.equal(runs.reduce((s, r) => s + r.changed!, 0), 1, "the good anchor checked once");
    assert.equal((await runJob(check, replica, at(2 * H))).processed, 0, "nothing left to check");
  } finally {
    await replica.end();
  }
  const anchors = await db
    .sql`SELECT case_id, tx_hash, state, checked_at FROM case_anchors ORDER BY case_id`;
  assert.deepEqual(anchors.map((a) => [a.case_id, a.state, a.checked_at !== null]), [
    [good.id, "completed", true],
    [bad.id, "mismatch", true],
  ]);
  const tx = await node.rpc<{ input: Hex; to: string }>("eth_getTransactionByHash", [
    anchors[0].tx_hash,
  ]);
  assert.deepEqual([tx.input, tx.to], [`0x${good.commitment}`, node.accounts[0].toLowerCase()]);
  const incidents = await db.sql`SELECT id, job, reason, detail, closed_at FROM incidents`;
  assert.equal(incidents.length, 1);
  assert.deepEqual([incidents[0].job, incidents[0].reason, incidents[0].closed_at], [
    `verdict-check:case-${bad.id}`,
    "mismatch",
    null,
  ]);
  assert.ok(incidents[0].detail.includes(`case ${bad.id}`) && incidents[0].detail.includes(other));
  const alerts = await db.sql`SELECT chat_id, text, dedupe_key FROM outbox`;
  assert.equal(alerts.length, 1, "exactly one admin alert");
  assert.deepEqual([alerts[0].chat_id, alerts[0].dedupe_key], [
    ADMIN,
    `incident:${incidents[0].id}:opened`,
  ]);
  assert.equal(
    alerts[0].text,
    `🚨 Warden: case #${bad.id}'s verdict commitment does not match on chain ` +
      `(incident ${incidents[0].id}): transaction ${other} carries other data, or was reverted.`,
  );
});

// settlement-monitor: a commitment anchor that fails for good opens one incident
// (`settlement-monitor:case-<id>`, reason `anchor-failed`) with one alert to the admin chat in
// its language, once across reruns. A real local chain (ganache) and a real test database.
import assert from "node:assert/strict";
import type { EvmRail, Hex } from "../domain/evm_types.ts";
import { settlementMonitorJob } from "../domain/settlement_monitor.ts";
import { testDatabase } from "./db.ts";
import { community, runJob } from "./fakes/community.ts";
import { startEvmNode } from "./fakes/evm_node.ts";
import { ADMIN, at, closedCase, H, railOn, SLOT } from "./fakes/settlement.ts";

/** The rail whose node refuses every anchor (nothing goes out). */
function refusing(rail: EvmRail): EvmRail {
  return {
    ...rail,
    address: rail.address,
    anchorCommitment: () => Promise.reject(new Error("nonce too low")),
  };
}

const incidents = (sql: import("postgres").Sql) =>
  sql`SELECT id, job, reason, detail, closed_at FROM incidents ORDER BY id`;
const alerts = (sql: import("postgres").Sql) =>
  sql`SELECT chat_id, text, dedupe_key FROM outbox ORDER BY id`;

Deno.test("settlement-monitor: an anchor failed after its attempts opens one incident and one English alert, once", async () => {
  await using node = await startEvmNode();
  await using db = await testDatabase();
  const c = await closedCase(db.sql, "t:1", [], true);
  const job = settlementMonitorJob({
    rail: refusing(railOn(node)),
    maxAttempts: 2,
    adminChatId: ADMIN,
  });
  await assert.rejects(runJob(job, db.sql, SLOT), /every call to the EVM node failed/);
  assert.equal((await incidents(db.sql)).length, 0, "one refusal: not failed yet");
  await assert.rejects(runJob(job, db.sql, at(30_000)), /1 items failed/);
  const [anchor] = await db.sql`SELECT state FROM case_anchors`;
  assert.equal(anchor.state, "failed");
  const opened = await incidents(db.sql);
  assert.deepEqual(opened.map((i) => [i.job, i.reason, i.closed_at]), [
    [`settlement-monitor:case-${c.id}`, "anchor-failed", null],
  ]);
  assert.match(opened[0].detail, new RegExp(`^case ${c.id}: .*nonce too low`));
  for (const t of [60_000, 90_000]) assert.equal((await runJob(job, db.sql, at(t))).processed, 0);
  assert.equal((await incidents(db.sql)).length, 1, "a rerun opens nothing more");
  const sent = await alerts(db.sql);
  assert.deepEqual(sent.map((a) => [a.chat_id, a.dedupe_key]), [
    [ADMIN, `incident:${opened[0].id}:opened`],
  ]);
  assert.equal(
    sent[0].text,
    `🚨 Warden: case #${c.id}'s verdict commitment could not be anchored on chain ` +
      `(incident ${opened[0].id}): its send failed 2 times. Last error: nonce too low`,
  );

  // The operator resets the anchor once the node is fixed: anchored, the incident closes.
  await db.sql`UPDATE case_anchors SET state = 'processing', last_error = NULL, attempts = 0`;
  const fixed = settlementMonitorJob({ rail: railOn(node), adminChatId: ADMIN });
  for (let t = 120_000; t <= 300_000; t += 30_000) await runJob(fixed, db.sql, at(t));
  const [done] = await db.sql`SELECT state FROM case_anchors`;
  assert.equal(done.state, "completed");
  const [closed] = await incidents(db.sql);
  assert.ok(closed.closed_at, "the incident closed when the anchor was anchored");
  const after = await alerts(db.sql);
  assert.deepEqual(after.map((a) => a.dedupe_key), [
    `incident:${opened[0].id}:opened`,
    `incident:${opened[0].id}:closed`,
  ], "one message on closing, though the job ran seven times more");
  assert.match(
    after[1].text,
    new RegExp(
      `^✅ Warden: case #${c.id}'s verdict commitment is anchored on chain after all; ` +
        `incident ${opened[0].id} is closed \\(open for \\d+ min\\)\\.$`,
    ),
  );
});

Deno.test("settlement-monitor: an anchor not found after its window alerts a Spanish admin chat in Spanish", async () => {
  await using node = await startEvmNode();
  await using db = await testDatabase();
  await community(db.sql, { id: ADMIN, kind: "group" }, []);
  await db.sql`UPDATE chats SET language = 'es' WHERE chat_id = ${ADMIN}`;
  const c = await closedCase(db.sql, "t:1", [], true);
  const lost = `0x${"ab".repeat(32)}` as Hex;
  await db.sql`UPDATE case_anchors SET tx_hash = ${lost}`;
  const job = settlementMonitorJob({ rail: railOn(node), adminChatId: ADMIN });
  assert.equal((await runJob(job, db.sql, at(H))).changed, 0, "not found yet: kept");
  const late = await runJob(job, db.sql, at(24 * H + 1_000));
  assert.equal(late.details!.failed, 1);
  await runJob(job, db.sql, at(25 * H));
  const opened = await incidents(db.sql);
  assert.deepEqual(opened.map((i) => [i.job, i.reason]), [
    [`settlement-monitor:case-${c.id}`, "anchor-failed"],
  ]);
  const incident = opened[0];
  assert.ok(incident.detail.includes(lost), incident.detail);
  const sent = await alerts(db.sql);
  assert.equal(sent.length, 1);
  assert.equal(
    sent[0].text,
    `🚨 Warden: el compromiso del veredicto del caso #${c.id} no se pudo anclar en la cadena ` +
      `(incidencia ${incident.id}): su transacción ${lost} no apareció en 24 h.`,
  );
});

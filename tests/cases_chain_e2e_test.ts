import assert from "node:assert/strict";
import { caseClosureJob } from "../domain/case_closure.ts";
import { caseGenerationJob } from "../domain/case_generation.ts";
import { bankProvider } from "../domain/case_provider.ts";
import { decodeRewardData, evmRail } from "../domain/evm_rail.ts";
import type { Hex } from "../domain/evm_types.ts";
import { settlementMonitorJob } from "../domain/settlement_monitor.ts";
import { verdictCheckJob } from "../domain/verdict_check.ts";
import { testDatabase } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { serveWebhook, testBot } from "./fakes/bot.ts";
import { community, runJob } from "./fakes/community.ts";
import { startEvmNode } from "./fakes/evm_node.ts";
import { callbackQuery, privateMessage } from "./fakes/updates.ts";

const SECRET = "webhook-secret-123";
const GROUP = -701;
const OPEN = new Date("2026-06-01T00:00:00Z");
const hours = (h: number) => new Date(OPEN.getTime() + h * 3_600_000);
const ana = { id: 21, name: "Ana" };
const ben = { id: 22, name: "Ben" };

Deno.test("end to end on chain: a wallet linked in Telegram, the case closed on the evm rail, rewards sent, confirmed and credited once; a dropped one fails after its window", async () => {
  await using node = await startEvmNode();
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  const bot = testBot(api, db.sql, { now: () => hours(1) });
  await using hook = serveWebhook(bot, SECRET);
  const post = hook.post;
  const rail = evmRail({
    rpcUrl: node.rpcUrl,
    privateKey: node.privateKeys[0],
    chainId: node.chainId,
    confirmations: 1,
    timeoutMs: 5_000,
  });

  // Ana links a wallet in private (a bad checksum first); Ben has none.
  const lower = node.accounts[1].toLowerCase();
  const badChecksum = "0x" +
    [...lower.slice(2)].map((c, i) => /[a-f]/.test(c) && i % 2 === 0 ? c.toUpperCase() : c).join(
      "",
    );
  let id = 1;
  const dm = async (text: string) => {
    await post(privateMessage({ from: ana, text, messageId: id++, date: hours(1) }));
    return api.sent.at(-1)!.text;
  };
  await dm("/start");
  if (badChecksum !== lower && badChecksum !== node.accounts[1]) {
    assert.match(await dm(`/wallet ${badChecksum}`), /^❌ That address won't do: .*checksum/);
  }
  assert.equal(
    await dm(`/wallet ${lower}`),
    `🔗 Wallet ${node.accounts[1]} linked: your case rewards will go there.`,
  );

  await community(db.sql, { id: GROUP, title: "Chain" }, []);
  await db.sql`UPDATE chats SET cases_enabled = true WHERE chat_id = ${GROUP}`;
  const generation = caseGenerationJob({ provider: bankProvider(), votingHours: 24, rail: "evm" });
  await runJob(generation, db.sql, OPEN);
  for (const who of [ana, ben]) {
    await post(
      callbackQuery({
        chat: GROUP,
        from: who,
        messageId: 1,
        data: "vote:1:police",
        date: hours(1),
      }),
    );
  }
  await runJob(caseClosureJob({ pool: 1000, rail: "evm" }), db.sql, hours(24));
  const rails = await db.sql`
    SELECT user_id::int AS u, rail, state, amount FROM case_rewards ORDER BY user_id, kind`;
  assert.deepEqual(rails.map((r) => `${r.u} ${r.rail} ${r.state} ${r.amount}`), [
    "21 evm processing 100", // participant 200/2
    "21 evm processing 200", // voter 400/2
    "22 xp completed 100",
    "22 xp completed 200",
  ]);

  // The monitor sends the anchor and Ana's two rewards; the node mines them; the next run credits.
  const monitor = settlementMonitorJob({ rail, maxAttempts: 3 });
  const first = await runJob(monitor, db.sql, hours(24.01));
  assert.equal(first.details?.sent, 2);
  assert.equal(first.details?.anchored, 1);
  await runJob(monitor, db.sql, hours(24.02));
  const settled = await db.sql`
    SELECT state, tx_hash FROM case_rewards WHERE user_id = 21 ORDER BY id`;
  assert.deepEqual(settled.map((r) => r.state), ["completed", "completed"]);
  for (const r of settled) {
    const tx = await node.rpc("eth_getTransactionByHash", [r.tx_hash]) as {
      to: string;
      input: Hex;
    };
    assert.equal(tx.to.toLowerCase(), lower, "sent to Ana's wallet");
    assert.ok(decodeRewardData(tx.input)! > 0, "carrying the reward's id");
  }
  const [xp] = await db.sql`SELECT xp FROM members WHERE chat_id = ${GROUP} AND user_id = 21`;
  assert.equal(Number(xp.xp), 300, "credited once, on confirmation");
  await runJob(monitor, db.sql, hours(24.03));
  const [again] = await db.sql`SELECT xp FROM members WHERE chat_id = ${GROUP} AND user_id = 21`;
  assert.equal(Number(again.xp), 300, "a later run credits nothing more");
  const check = await runJob(verdictCheckJob({ rail }), db.sql, hours(24.04));
  assert.equal(check.changed, 1, "the anchor carries exactly the published commitment");

  // A reward whose transaction the chain drops: not found, then failed after 24 h, no XP.
  await db.sql`
    INSERT INTO case_rewards (case_id, user_id, kind, rank, amount, chat_id, rail, created_at)
    VALUES (1, 21, 'creator', 0, 100, ${GROUP}, 'evm', ${hours(25)})`;
  await node.setAutomine(false);
  await runJob(monitor, db.sql, hours(25));
  const [{ tx_hash }] = await db.sql`SELECT tx_hash FROM case_rewards WHERE kind = 'creator'`;
  await node.dropTransaction(tx_hash);
  await runJob(monitor, db.sql, hours(48));
  const [kept] = await db.sql`SELECT state FROM case_rewards WHERE kind = 'creator'`;
  assert.equal(kept.state, "processing", "not found, still inside its 24 h window");
  await runJob(monitor, db.sql, hours(49.01));
  const [dropped] = await db.sql`SELECT state, last_error FROM case_rewards WHERE kind = 'creator'`;
  assert.deepEqual([dropped.state, dropped.last_error], [
    "failed",
    "transaction not found after 24 h",
  ]);
  const [final] = await db.sql`SELECT xp FROM members WHERE chat_id = ${GROUP} AND user_id = 21`;
  assert.equal(Number(final.xp), 300);
});

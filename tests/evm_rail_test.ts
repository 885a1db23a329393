// The `evm` settlement rail against a real local EVM development node (ganache, started and
// stopped by each test): commitment anchors, rewards, confirmations, dropped and reverted
// transactions, an RPC that is down or silent, and the EIP-55 wallet check.
import assert from "node:assert/strict";
import { decodeRewardData, encodeRewardData, evmRail } from "../domain/evm_rail.ts";
import { type Hex, RpcUnavailableError } from "../domain/evm_types.ts";
import { isAddress, parseWallet } from "../domain/wallet.ts";
import { type EvmNode, startEvmNode } from "./fakes/evm_node.ts";
import { withDeadline } from "./fakes/deadline.ts";

const COMMIT_A = `0x${"3f2a".repeat(16)}` as Hex;
const COMMIT_B = `0x${"b0b0".repeat(16)}` as Hex;
const MEMBER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const;

function railOn(node: EvmNode, confirmations = 1) {
  return evmRail({
    rpcUrl: node.rpcUrl,
    privateKey: node.privateKeys[0],
    chainId: node.chainId,
    confirmations,
    timeoutMs: 10_000,
  });
}

/** Waits (bounded) for a promise expected to fail, and returns its error. */
async function failure(p: Promise<unknown>, what: string): Promise<unknown> {
  return await withDeadline(p.then(() => assert.fail(`${what} succeeded`), (e) => e), what, {
    deadlineMs: 30_000,
  });
}

Deno.test("evm rail: an anchored commitment is pending until mined, confirmed after N blocks", async () => {
  await using node = await startEvmNode();
  const rail = railOn(node, 3);
  assert.equal(rail.address, node.accounts[0]);
  await node.setAutomine(false);
  const tx = await rail.anchorCommitment(COMMIT_A);
  assert.match(tx, /^0x[0-9a-f]{64}$/);
  assert.deepEqual(await rail.status(tx), { state: "pending", confirmations: 0, input: COMMIT_A });
  assert.equal(await rail.checkCommitment(tx, COMMIT_A), "pending");
  await node.mine(1);
  const one = await rail.status(tx);
  assert.equal(one.state, "pending");
  assert.equal(one.confirmations, 1);
  assert.equal(typeof one.blockNumber, "bigint");
  await node.mine(2);
  const three = await rail.status(tx);
  assert.deepEqual(three, { ...one, state: "confirmed", confirmations: 3 });
  assert.equal(await rail.checkCommitment(tx, COMMIT_A), "ok");
  assert.equal(
    await rail.checkCommitment(tx, COMMIT_A.toUpperCase().replace("0X", "0x") as Hex),
    "ok",
  );
  // The transaction went from the Warden account to itself, value 0.
  const raw = await node.rpc<{ from: string; to: string; value: string }>(
    "eth_getTransactionByHash",
    [tx],
  );
  assert.equal(raw.from, node.accounts[0].toLowerCase());
  assert.equal(raw.to, node.accounts[0].toLowerCase());
  assert.equal(BigInt(raw.value), 0n);
});

Deno.test("evm rail: checkCommitment says mismatch for other data and missing for an unknown tx", async () => {
  await using node = await startEvmNode();
  const rail = railOn(node);
  const other = await rail.anchorCommitment(COMMIT_B);
  assert.equal(await rail.checkCommitment(other, COMMIT_B), "ok");
  assert.equal(await rail.checkCommitment(other, COMMIT_A), "mismatch");
  const reward = await rail.sendReward(MEMBER, { id: 7, amount: 100 });
  assert.equal(await rail.checkCommitment(reward, COMMIT_A), "mismatch");
  const unknown = `0x${"ab".repeat(32)}` as Hex;
  assert.equal(await rail.checkCommitment(unknown, COMMIT_A), "missing");
  assert.deepEqual(await rail.status(unknown), { state: "not-found", confirmations: 0 });
  await assert.rejects(rail.checkCommitment(other, "0x1234"), TypeError);
  await assert.rejects(rail.anchorCommitment("0x1234"), TypeError);
});

Deno.test("evm rail: a reward goes to the member's wallet and its data decodes to the reward id", async () => {
  await using node = await startEvmNode();
  const rail = railOn(node);
  const tx = await rail.sendReward(MEMBER.toLowerCase() as Hex, { id: 4242, amount: 300 });
  const s = await rail.status(tx);
  assert.equal(s.state, "confirmed");
  assert.equal(s.confirmations, 1);
  assert.equal(s.input, encodeRewardData(4242));
  assert.equal(decodeRewardData(s.input!), 4242);
  assert.equal(s.input!.length, 2 + 2 * 36); // selector + one 32-byte word
  const raw = await node.rpc<{ to: string; value: string }>("eth_getTransactionByHash", [tx]);
  assert.equal(raw.to, MEMBER.toLowerCase());
  assert.equal(BigInt(raw.value), 0n);
  assert.equal(decodeRewardData(COMMIT_A), null);
  assert.equal(decodeRewardData("0x"), null);
  await assert.rejects(rail.sendReward("0x1234" as Hex, { id: 1, amount: 1 }), TypeError);
  await assert.rejects(rail.sendReward(MEMBER, { id: -1, amount: 1 }), RangeError);
});

Deno.test("evm rail: weiPerXp pays amount × wei", async () => {
  await using node = await startEvmNode();
  const rail = evmRail({
    rpcUrl: node.rpcUrl,
    privateKey: node.privateKeys[0],
    chainId: node.chainId,
    confirmations: 1,
    weiPerXp: 1000n,
  });
  const tx = await rail.sendReward(MEMBER, { id: 1, amount: 25 });
  const raw = await node.rpc<{ value: string }>("eth_getTransactionByHash", [tx]);
  assert.equal(BigInt(raw.value), 25_000n);
  assert.equal((await rail.status(tx)).state, "confirmed");
});

Deno.test("evm rail: rewards sent back to back get distinct nonces and all confirm", async () => {
  await using node = await startEvmNode();
  const rail = railOn(node);
  // Automine on: one after another.
  const a = await rail.sendReward(MEMBER, { id: 1, amount: 10 });
  const b = await rail.sendReward(MEMBER, { id: 2, amount: 10 });
  // Automine off: three at once, all in the mempool together.
  await node.setAutomine(false);
  const many = await Promise.all([3, 4, 5].map((id) => rail.sendReward(MEMBER, { id, amount: 1 })));
  for (const h of many) assert.equal((await rail.status(h)).state, "pending");
  await node.mine(1);
  const hashes = [a, b, ...many];
  assert.equal(new Set(hashes).size, 5);
  const nonces = new Set<number>();
  for (const [i, h] of hashes.entries()) {
    const s = await rail.status(h);
    assert.equal(s.state, "confirmed", `reward ${i + 1}`);
    assert.equal(decodeRewardData(s.input!), i + 1);
    const raw = await node.rpc<{ nonce: string }>("eth_getTransactionByHash", [h]);
    nonces.add(Number(raw.nonce));
  }
  assert.deepEqual([...nonces].sort(), [0, 1, 2, 3, 4]);
});

Deno.test("evm rail: a dropped transaction is not-found, and the next send still confirms", async () => {
  await using node = await startEvmNode();
  const rail = railOn(node);
  await node.setAutomine(false);
  const tx = await rail.sendReward(MEMBER, { id: 9, amount: 50 });
  assert.equal((await rail.status(tx)).state, "pending");
  await node.dropTransaction(tx);
  assert.deepEqual(await rail.status(tx), { state: "not-found", confirmations: 0 });
  const again = await rail.sendReward(MEMBER, { id: 9, amount: 50 });
  await node.mine(1);
  assert.equal((await rail.status(again)).state, "confirmed");
  assert.equal((await rail.status(tx)).state, "not-found");
});

Deno.test("evm rail: a mempool that forgets the rail's last transaction leaves no nonce gap", async () => {
  await using node = await startEvmNode();
  const rail = railOn(node);
  await rail.sendReward(MEMBER, { id: 1, amount: 1 });
  const snapshot = await node.rpc<Hex>("evm_snapshot");
  await node.setAutomine(false);
  const lost = await rail.sendReward(MEMBER, { id: 2, amount: 1 }); // nonce 1
  // Back to the snapshot: the node forgets the pending transaction and its nonce.
  assert.equal(await node.rpc("evm_revert", [snapshot]), true);
  assert.equal((await rail.status(lost)).state, "not-found");
  const again = await rail.sendReward(MEMBER, { id: 2, amount: 1 });
  await node.mine(1);
  assert.equal((await rail.status(again)).state, "confirmed");
  const raw = await node.rpc<{ nonce: string }>("eth_getTransactionByHash", [again]);
  assert.equal(Number(raw.nonce), 1); // reused, not 2 (which would wait forever)
});

Deno.test("evm rail: a reverted transaction is failed; a wallet that reverts is refused before sending", async () => {
  await using node = await startEvmNode();
  const rail = railOn(node);
  // A contract whose code always reverts (PUSH1 0 PUSH1 0 REVERT) stands for a wallet
  // contract without a fallback.
  const reverter = "0x1111111111111111111111111111111111111111";
  await node.rpc("evm_setAccountCode", [reverter, "0x60006000fd"]);
  const reverted = await node.rpc<Hex>("eth_sendTransaction", [
    { from: node.accounts[1], to: reverter, data: encodeRewardData(3), gas: "0x30000" },
  ]);
  const s = await rail.status(reverted);
  assert.equal(s.state, "failed");
  assert.equal(s.confirmations, 1);
  assert.equal(await rail.checkCommitment(reverted, COMMIT_A), "mismatch");
  const refused = await failure(
    rail.sendReward(reverter, { id: 3, amount: 1 }),
    "a reward to a reverting wallet",
  );
  assert.ok(refused instanceof Error);
  assert.ok(!(refused instanceof RpcUnavailableError));
  // The refused send used no nonce.
  const next = await rail.sendReward(MEMBER, { id: 4, amount: 1 });
  assert.equal((await rail.status(next)).state, "confirmed");
});

Deno.test("evm rail: an RPC that is down or silent surfaces as RpcUnavailableError", async () => {
  const node = await startEvmNode();
  const rail = evmRail({
    rpcUrl: node.rpcUrl,
    privateKey: node.privateKeys[0],
    chainId: node.chainId,
    confirmations: 1,
    timeoutMs: 2_000,
  });
  const tx = await rail.anchorCommitment(COMMIT_A);
  await node.stop();
  for (
    const [what, p] of [
      ["status", rail.status(tx)],
      ["checkCommitment", rail.checkCommitment(tx, COMMIT_A)],
      ["sendReward", rail.sendReward(MEMBER, { id: 1, amount: 1 })],
      ["anchorCommitment", rail.anchorCommitment(COMMIT_B)],
    ] as const
  ) {
    const e = await failure(p, `${what} with the node stopped`);
    assert.ok(e instanceof RpcUnavailableError, `${what}: ${e}`);
    assert.match(e.message, /unavailable/);
    assert.ok(e.message.includes(node.rpcUrl), e.message);
  }

  // A node that accepts connections and never answers: bounded by timeoutMs.
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const c of silent) held.push(c);
  })().catch(() => {});
  try {
    const slow = evmRail({
      rpcUrl: `http://127.0.0.1:${(silent.addr as Deno.NetAddr).port}`,
      privateKey: node.privateKeys[0],
      chainId: node.chainId,
      confirmations: 1,
      timeoutMs: 300,
    });
    const e = await failure(slow.status(tx), "status against a silent node");
    assert.ok(e instanceof RpcUnavailableError, String(e));
    assert.match(e.message, /timeout 300 ms/);
  } finally {
    silent.close();
    for (const c of held) c.close();
    await accepting;
  }
});

Deno.test("evm rail: a node on another chain is refused with a clear error", async () => {
  await using node = await startEvmNode();
  const rail = evmRail({
    rpcUrl: node.rpcUrl,
    privateKey: node.privateKeys[0],
    chainId: 1,
    confirmations: 1,
  });
  await assert.rejects(rail.anchorCommitment(COMMIT_A), /is on chain 1337, not 1/);
  assert.throws(() => railOn(node, 0), RangeError);
});

Deno.test("parseWallet: EIP-55 rules", () => {
  const good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
  const table: Array<[string, string, true | RegExp]> = [
    ["checksummed", good, true],
    ["all lowercase", good.toLowerCase(), true],
    ["all uppercase", "0x" + good.slice(2).toUpperCase(), true],
    ["surrounding spaces", `  ${good} `, true],
    ["bad checksum", good.replace("aAeb", "AAeb"), /checksum .* is wrong/],
    ["too short", good.slice(0, 40), /40 hex digits after 0x, this one has 38/],
    ["too long", good + "00", /this one has 42/],
    ["non-hex", good.slice(0, 10) + "g" + good.slice(11), /"g" at position 11 is not a hex digit/],
    ["no 0x", good.slice(2), /starts with 0x/],
    ["empty", "", /starts with 0x/],
    ["zero address", "0x" + "0".repeat(40), /zero address/],
  ];
  for (const [name, input, want] of table) {
    const r = parseWallet(input);
    if (want === true) {
      assert.deepEqual(r, { ok: true, address: good }, name);
      assert.equal(isAddress(input), true, name);
    } else {
      assert.equal(r.ok, false, name);
      assert.match((r as { error: string }).error, want, name);
      assert.equal(isAddress(input), false, name);
    }
  }
});

/**
 * The `evm` settlement rail's building blocks, on viem (no database code here): anchoring a
 * verdict commitment, one transaction per reward, a transaction's settlement status, the
 * commitment check, and the EIP-55 wallet check for `/wallet`.
 *
 * - Commitment anchor: a transaction from the Warden account to itself, value 0, whose data
 *   is exactly the 32-byte commitment hash.
 * - Reward: a transaction to the member's wallet whose data is the call
 *   `wardenReward(uint256 rewardId)` ABI-encoded (4-byte selector `keccak256(sig)[0..4]`,
 *   then the id as a 32-byte big-endian word: 36 bytes); `decodeRewardData` reads it back.
 *   Its value is `amount × weiPerXp` (default 0: the chain carries the record, XP is
 *   credited on confirmation). A wallet that is a contract without a fallback reverts it.
 * - Nonces: the rail signs locally and sends one transaction at a time (an in-process queue),
 *   so two rewards sent back to back never share a nonce. Each send takes the larger of the
 *   node's pending count and the rail's own next nonce; if the node's count is lower (some
 *   nodes, ganache among them, do not count their mempool), the rail asks whether its last
 *   transaction is still known: if it is, its own counter wins; if the node dropped it, the
 *   node's count does, so a dropped transaction leaves no nonce gap. One rail per key: two
 *   processes sending from the same key can collide.
 * - Errors: a node that cannot be reached, or an RPC request that takes longer than
 *   `timeoutMs` (default 10 s, no retries), surfaces as `RpcUnavailableError`, so the
 *   caller can count attempts. If a send failed that way after signing, the error carries
 *   the signed transaction's hash: it may have reached the node, so record and watch it
 *   rather than send the reward again.
 *
 * Only `catalog.ts` loads this module, and only with `SETTLEMENT_RAIL=evm`: the types, the error
 * and the wallet check live apart (`evm_types.ts`, `wallet.ts`), without viem.
 */
import {
  BaseError,
  createPublicClient,
  createWalletClient,
  decodeFunctionData,
  defineChain,
  encodeFunctionData,
  http,
  HttpRequestError,
  keccak256,
  parseAbi,
  SocketClosedError,
  TimeoutError,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  type Address,
  type EvmRail,
  type EvmRailOptions,
  type Hex,
  RpcUnavailableError,
  type TxState,
  type TxStatus,
} from "./evm_types.ts";
import { parseWallet } from "./wallet.ts";

const REWARD_ABI = parseAbi(["function wardenReward(uint256 rewardId)"]);

/** The data of a reward transaction: `wardenReward(uint256 rewardId)` ABI-encoded. */
export function encodeRewardData(rewardId: number): Hex {
  if (!Number.isSafeInteger(rewardId) || rewardId < 0) {
    throw new RangeError(`reward id must be a non-negative integer, got ${rewardId}`);
  }
  return encodeFunctionData({ abi: REWARD_ABI, args: [BigInt(rewardId)] });
}

/** The reward id in a reward transaction's data, or null if the data is not one. */
export function decodeRewardData(data: Hex): number | null {
  try {
    const { args } = decodeFunctionData({ abi: REWARD_ABI, data });
    const id = args[0];
    return id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : null;
  } catch {
    return null;
  }
}

const HASH_RE = /^0x[0-9a-fA-F]{64}$/;

function unavailable(e: unknown): boolean {
  if (e instanceof RpcUnavailableError) return true;
  if (!(e instanceof BaseError)) return false;
  return e.walk((c) =>
    c instanceof HttpRequestError || c instanceof TimeoutError || c instanceof SocketClosedError
  ) !== null;
}

export function evmRail(options: EvmRailOptions): EvmRail {
  const { rpcUrl, chainId, confirmations } = options;
  if (!Number.isInteger(confirmations) || confirmations < 1) {
    throw new RangeError(`confirmations must be an integer ≥ 1, got ${confirmations}`);
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  const weiPerXp = options.weiPerXp ?? 0n;
  const account = privateKeyToAccount(options.privateKey);
  const chain = defineChain({
    id: chainId,
    name: `evm-${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const transport = http(rpcUrl, { timeout: timeoutMs, retryCount: 0 });
  const client = createPublicClient({ chain, transport });
  const wallet = createWalletClient({ account, chain, transport });

  /** Runs `f`, turning an unreachable or slow node into `RpcUnavailableError`. */
  async function rpc<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (!unavailable(e)) throw e;
      const inner = e instanceof RpcUnavailableError ? e.cause : e;
      const detail = inner instanceof BaseError ? inner.shortMessage : String(inner);
      throw new RpcUnavailableError(
        `EVM node ${rpcUrl} unavailable during ${what} (timeout ${timeoutMs} ms): ${detail}`,
        e instanceof RpcUnavailableError ? e.txHash : undefined,
        { cause: e },
      );
    }
  }

  let chainChecked = false;
  let nextNonce: number | undefined;
  let lastSent: Hex | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  async function known(hash: Hex): Promise<boolean> {
    return (await client.request({ method: "eth_getTransactionByHash", params: [hash] })) !==
      null;
  }

  async function sendOne(to: Address, data: Hex, value: bigint): Promise<Hex> {
    if (!chainChecked) {
      const id = await client.getChainId();
      if (id !== chainId) throw new Error(`EVM node ${rpcUrl} is on chain ${id}, not ${chainId}`);
      chainChecked = true;
    }
    let nonce = await client.getTransactionCount({
      address: account.address,
      blockTag: "pending",
    });
    if (nextNonce !== undefined && nonce < nextNonce && lastSent && await known(lastSent)) {
      nonce = nextNonce;
    }
    const request = await wallet.prepareTransactionRequest({
      account,
      chain,
      to,
      data,
      value,
      nonce,
      parameters: ["fees", "gas", "type"],
    });
    const serialized = await wallet.signTransaction(request);
    const hash = keccak256(serialized);
    const before = { nextNonce, lastSent };
    nextNonce = nonce + 1;
    lastSent = hash;
    try {
      await client.sendRawTransaction({ serializedTransaction: serialized });
    } catch (e) {
      if (unavailable(e)) throw new RpcUnavailableError("", hash, { cause: e });
      ({ nextNonce, lastSent } = before); // refused by the node: the nonce was not used
      throw e;
    }
    return hash;
  }

  function send(what: string, to: Address, data: Hex, value: bigint): Promise<Hex> {
    const run = queue.then(() => rpc(what, () => sendOne(to, data, value)));
    queue = run.catch(() => {});
    return run;
  }

  async function status(txHash: Hex): Promise<TxStatus> {
    if (!HASH_RE.test(txHash)) throw new TypeError(`not a transaction hash: ${txHash}`);
    return await rpc(`status of ${txHash}`, async () => {
      let tx;
      try {
        tx = await client.getTransaction({ hash: txHash });
      } catch (e) {
        if (e instanceof TransactionNotFoundError) return { state: "not-found", confirmations: 0 };
        throw e;
      }
      const input = tx.input;
      if (tx.blockNumber === null) return { state: "pending", confirmations: 0, input };
      let receipt;
      try {
        receipt = await client.getTransactionReceipt({ hash: txHash });
      } catch (e) {
        if (e instanceof TransactionReceiptNotFoundError) {
          return { state: "pending", confirmations: 0, input };
        }
        throw e;
      }
      const head = await client.getBlockNumber({ cacheTime: 0 });
      const blockNumber = receipt.blockNumber;
      const confs = head >= blockNumber ? Number(head - blockNumber) + 1 : 0;
      const state: TxState = receipt.status !== "success"
        ? "failed"
        : confs >= confirmations
        ? "confirmed"
        : "pending";
      return { state, confirmations: confs, input, blockNumber };
    });
  }

  return {
    address: account.address,
    async anchorCommitment(hash) {
      if (!HASH_RE.test(hash)) throw new TypeError(`a commitment is 32 bytes of hex, got ${hash}`);
      return await send("anchorCommitment", account.address, hash.toLowerCase() as Hex, 0n);
    },
    async sendReward(to, reward) {
      const wallet = parseWallet(to);
      if (!wallet.ok) throw new TypeError(`reward wallet ${to}: ${wallet.error}`);
      if (!Number.isSafeInteger(reward.amount) || reward.amount < 0) {
        throw new RangeError(`reward amount must be XP ≥ 0: ${reward.amount}`);
      }
      const data = encodeRewardData(reward.id);
      const value = BigInt(reward.amount) * weiPerXp;
      return await send(`sendReward #${reward.id}`, wallet.address, data, value);
    },
    status,
    async checkCommitment(txHash, expectedHash) {
      if (!HASH_RE.test(expectedHash)) {
        throw new TypeError(`a commitment is 32 bytes of hex, got ${expectedHash}`);
      }
      const s = await status(txHash);
      if (s.state === "not-found") return "missing";
      if (s.input?.toLowerCase() !== expectedHash.toLowerCase()) return "mismatch";
      if (s.state === "failed") return "mismatch"; // a reverted transaction anchors nothing
      return s.state === "confirmed" ? "ok" : "pending";
    },
  };
}

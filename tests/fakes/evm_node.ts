/**
 * A real local EVM development node for the `evm` settlement rail's tests: ganache (npm
 * `ganache`, pinned in deno.json and deno.lock) run by Deno as a child process on a free
 * loopback port. Nothing here mocks viem: the tests talk JSON-RPC over HTTP to a real chain.
 *
 * Deno runs ganache's own CLI; it needs `--unstable-unsafe-proto` (ganache looks methods up
 * through `__proto__`, which Deno leaves out by default). Ganache's optional native HTTP
 * server (uWS) has no build for Deno and it says so once on stderr, then serves over Node's
 * `http` module, which Deno provides. The accounts are fixed keys (the well-known dev keys
 * that Hardhat and Anvil print, never to be used on a real chain), each funded with 1000 ETH.
 */
import { privateKeyToAccount } from "viem/accounts";
import { withDeadline } from "./deadline.ts";

export type Hex = `0x${string}`;

export const GANACHE = "npm:ganache@7.9.2";
export const DEV_CHAIN_ID = 1337;
/** Publicly known development keys: accounts 0–3 of the "test test … junk" mnemonic. */
export const DEV_PRIVATE_KEYS: readonly Hex[] = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
];
const BALANCE_WEI = "0x3635c9adc5dea00000"; // 1000 ETH

export interface EvmNode {
  readonly rpcUrl: string;
  readonly chainId: number;
  readonly privateKeys: Hex[];
  readonly accounts: Hex[];
  /** How long the node took from spawn to its first `eth_chainId` answer, in ms. */
  readonly startupMs: number;
  /** The node's output so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Mines `blocks` (default 1) blocks at once, with whatever is pending. */
  mine(blocks?: number): Promise<void>;
  /** Automine on: each transaction is mined as it arrives. Off: it waits for `mine`. */
  setAutomine(on: boolean): Promise<void>;
  /**
   * Drops a pending transaction, as a real node's mempool may: ganache has no
   * `hardhat_dropTransaction`, so this moves the sender's nonce past it
   * (`evm_setAccountNonce`) and mines one block, at which ganache evicts it. The block takes
   * whatever else is pending; the sender's nonce stays skipped (the chain never saw the
   * transaction). Only the sender's lowest pending transaction can be dropped this way.
   */
  dropTransaction(hash: Hex): Promise<void>;
  /** A raw JSON-RPC call; fails with the node's error message. */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Kills the node's process group and waits for it to end. Idempotent. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const ROOT = new URL("../..", import.meta.url).pathname;

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function rpcCall<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message ?? JSON.stringify(body.error)}`);
  return body.result as T;
}

/**
 * Starts ganache and resolves once it answers `eth_chainId` with the expected id. Fails with
 * the node's output if it exits first or does not answer within `deadlineMs` (default 120 s:
 * the first run on a clean machine may fetch the package from npm).
 */
export async function startEvmNode(
  options: { deadlineMs?: number; chainId?: number } = {},
): Promise<EvmNode> {
  const chainId = options.chainId ?? DEV_CHAIN_ID;
  const privateKeys = [...DEV_PRIVATE_KEYS];
  const accounts = privateKeys.map((k) => privateKeyToAccount(k).address as Hex);
  const port = freePort();
  const rpcUrl = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--unstable-unsafe-proto",
      GANACHE,
      "--server.host",
      "127.0.0.1",
      "--server.port",
      String(port),
      "--server.ws",
      "false",
      "--chain.chainId",
      String(chainId),
      "--miner.instamine",
      "eager",
      "--logging.quiet",
      ...privateKeys.flatMap((k) => ["--wallet.accounts", `${k},${BALANCE_WEI}`]),
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true, // its own process group, so that stop() ends every process under it
  }).spawn();
  const chunks: string[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) chunks.push(text);
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]).catch(() => {});
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const output = () => chunks.join("").slice(-4000);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    stopping ??= (async () => {
      if (!exited) {
        try {
          Deno.kill(-child.pid, "SIGKILL");
        } catch {
          try {
            child.kill("SIGKILL");
          } catch { /* already gone */ }
        }
      }
      await status;
      await pumps;
    })();

  const ready = (async () => {
    while (!exited) {
      try {
        const id = await rpcCall<string>(rpcUrl, "eth_chainId");
        if (Number(id) !== chainId) throw new Error(`node answers chain id ${id}, not ${chainId}`);
        return;
      } catch (e) {
        if (e instanceof Error && e.message.startsWith("node answers")) throw e;
      }
      // Poll the node: a short pause between connection attempts, bounded by the deadline.
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the EVM node exited (${(await status).code}) before answering`);
  })();
  try {
    await withDeadline(ready, `the EVM node (${GANACHE}) to answer eth_chainId on ${rpcUrl}`, {
      deadlineMs: options.deadlineMs ?? 120_000,
      lastSeen: output,
    });
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\nnode output:\n${output() || "(none)"}`);
  }
  const startupMs = performance.now() - started;

  const rpc = <T>(method: string, params: unknown[] = []) => rpcCall<T>(rpcUrl, method, params);
  return {
    rpcUrl,
    chainId,
    privateKeys,
    accounts,
    startupMs,
    output,
    rpc,
    async mine(blocks = 1) {
      await rpc("evm_mine", [{ blocks }]);
    },
    async setAutomine(on) {
      await rpc(on ? "miner_start" : "miner_stop");
    },
    async dropTransaction(hash) {
      const tx = await rpc<{ from: Hex; nonce: Hex; blockNumber: Hex | null } | null>(
        "eth_getTransactionByHash",
        [hash],
      );
      if (!tx) throw new Error(`dropTransaction: ${hash} is unknown to the node`);
      if (tx.blockNumber !== null) throw new Error(`dropTransaction: ${hash} is already mined`);
      await rpc("evm_setAccountNonce", [tx.from, `0x${(BigInt(tx.nonce) + 1n).toString(16)}`]);
      await rpc("evm_mine");
      const after = await rpc("eth_getTransactionByHash", [hash]);
      if (after) throw new Error(`dropTransaction: the node still knows ${hash}`);
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * What the rest of Warden knows of the `evm` settlement rail: its types and its one error. No
 * viem here, so the jobs and the bot can name the rail without loading it; the rail itself is
 * in `evm_rail.ts`, loaded only when `SETTLEMENT_RAIL=evm` (see `catalog.ts`).
 */

export type Hex = `0x${string}`;
export type Address = `0x${string}`;

export interface EvmRailOptions {
  rpcUrl: string;
  privateKey: Hex;
  chainId: number;
  /** Blocks needed, the transaction's own included (1 = mined). */
  confirmations: number;
  /** Bound on each RPC request, in ms (default 10 000). */
  timeoutMs?: number;
  /** Wei sent per XP of a reward (default 0n). */
  weiPerXp?: bigint;
}

export type TxState = "pending" | "confirmed" | "failed" | "not-found";
export interface TxStatus {
  state: TxState;
  confirmations: number;
  input?: Hex;
  blockNumber?: bigint;
}
export type CommitmentCheck = "ok" | "pending" | "missing" | "mismatch";

export interface EvmRail {
  readonly address: Address;
  anchorCommitment(hash: Hex): Promise<Hex>;
  sendReward(to: Address, reward: { id: number; amount: number }): Promise<Hex>;
  status(txHash: Hex): Promise<TxStatus>;
  checkCommitment(txHash: Hex, expectedHash: Hex): Promise<CommitmentCheck>;
}

/** The node could not be reached or did not answer in time; `txHash` as in `evm_rail.ts`. */
export class RpcUnavailableError extends Error {
  override name = "RpcUnavailableError";
  constructor(message: string, readonly txHash?: Hex, options?: ErrorOptions) {
    super(message, options);
  }
}

import type postgres from "postgres";
import { defineJob, type JobContext, type JobSpec, type RunResult } from "../actors/job.ts";
import { incidentWrites } from "./incidents.ts";
import { creditConfirmed, creditUnsent, SENDING } from "./case_settle.ts";
import { type EvmRail, type Hex, RpcUnavailableError } from "./evm_types.ts";
import {
  type AnchorFailure,
  anchorIncidentJob,
  openAnchorIncident,
} from "./settlement_incidents.ts";
import { ANCHOR, type Item, type Kind, REWARD, span, toSettle } from "./settlement_items.ts";

export const SETTLEMENT_MONITOR = "settlement-monitor";

export interface SettlementMonitorOptions {
  /** The `evm` rail (`evmRail(…)`). One rail per process: it orders the account's nonces. */
  rail: EvmRail;
  /** Failed sends (refused, or the node unreachable before signing) before an item is failed;
   * default 5. A failed status check, or a send whose answer was lost once signed, never counts. */
  maxAttempts?: number;
  /** A transaction unknown to the node this long after the item's `created_at` is failed; 24 h. */
  notFoundAfterMs?: number;
  /** Items (anchors first, then rewards, oldest first) looked at per run; default 100. */
  batch?: number;
  /** A send claimed this long ago with no hash stored was interrupted; default 10 min. */
  claimStaleMs?: number;
  /**
   * `SETTLEMENT_RAIL` (default `evm`). On `xp` nothing new is sent: the `evm` rewards never sent
   * are credited as XP (`creditUnsent`), what was sent is watched to its end.
   */
  settlementRail?: "evm" | "xp";
  /** Where an anchor failed for good is alerted (`ADMIN_CHAT_ID`); the incident opens anyway. */
  adminChatId?: number;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 500);

/**
 * `settlement-monitor` (every 30 s; seed 001): moves `evm` rewards and commitment anchors to a
 * final state. Each run looks at `batch` items still `processing`, anchors then rewards, oldest
 * first (`case_rewards_processing`):
 *
 * - no `tx_hash`: claim, send (`sendReward` to the member's wallet, `anchorCommitment` of the
 *   case's commitment), store the hash in its own statement right away;
 * - a `tx_hash`: `status()`. confirmed → rewards credited in one transaction by
 *   `creditConfirmed` (XP once, `completed`), anchors `completed`; reverted → `failed`; unknown
 *   to the node more than `notFoundAfterMs` after the item's `created_at` → `failed`
 *   ("transaction not found after 24 h"); pending → kept;
 * - a send that did not go out (the node refused it, or was unreachable before it was signed)
 *   → `attempts + 1`, `last_error`; `failed` once `attempts` reaches `maxAttempts`. An RPC error
 *   on what may be on chain — a status check, a send whose answer was lost once signed — only
 *   sets `last_error` and keeps the hash: a flaky node never fails (or re-sends) a mined payout.
 *   A run whose every RPC call failed also fails itself, so `health-monitor` sees the node down.
 *
 * Never sending twice: a send is claimed first by a compare-and-set that commits on its own —
 * `last_error = 'sending since <slot>'` where the row is `processing`, has no hash and no claim —
 * so of two replicas one wins and the other skips the row; no transaction is held across the
 * RPC call. The hash is stored right after the node answers; an `RpcUnavailableError` carrying
 * a hash (signed, maybe in flight) stores that hash too. A claim never followed by a hash (the
 * process died, or the database went away, between the send and the store) is not sent again:
 * after `claimStaleMs` the item is `failed` with "send interrupted …", for an operator to check
 * the chain (the reward's data is `wardenReward(id)`) and, if nothing is there, to reset
 * (`state = 'processing', last_error = NULL`). So a crash can strand a reward, never pay it twice.
 *
 * With `settlementRail: "xp"` (the operator switched back) nothing new is sent: each run first
 * credits the `evm` rewards never sent as XP (`creditUnsent`, once), then looks only at items
 * with a hash (watched as above) or a send claimed (failed once stale); unsent anchors wait.
 */
export function settlementMonitorJob(o: SettlementMonitorOptions): JobSpec {
  const cfg = {
    rail: o.rail,
    maxAttempts: o.maxAttempts ?? 5,
    notFoundAfterMs: o.notFoundAfterMs ?? 24 * 3_600_000,
    batch: o.batch ?? 100,
    claimStaleMs: o.claimStaleMs ?? 10 * 60_000,
    adminChatId: o.adminChatId,
    settlementRail: o.settlementRail ?? "evm",
  };
  const { maxAttempts, notFoundAfterMs, batch, claimStaleMs } = cfg;
  for (const [k, v] of Object.entries({ maxAttempts, notFoundAfterMs, batch, claimStaleMs })) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(`settlement-monitor: ${k} must be an integer ≥ 1, got ${v}`);
    }
  }
  if (cfg.settlementRail !== "evm" && cfg.settlementRail !== "xp") {
    throw new RangeError(
      `settlement-monitor: settlementRail must be evm or xp, got ${cfg.settlementRail}`,
    );
  }
  return defineJob({
    name: SETTLEMENT_MONITOR,
    description: "Sends evm rewards and commitment anchors and tracks them to a final state",
    schedule: { every: "30s" },
    timeout: "5m",
    run: (ctx) => settle(ctx, cfg),
  });
}

type Cfg = Required<Omit<SettlementMonitorOptions, "adminChatId">> & { adminChatId?: number };

async function settle(ctx: JobContext, o: Cfg): Promise<RunResult> {
  const db = ctx.db;
  const at = ctx.scheduledFor;
  const xp = o.settlementRail === "xp";
  // On xp, the rewards never sent are settled as XP first: none of them is sent below.
  const credited = xp ? await db.begin((tx) => creditUnsent(tx, at)) : 0;
  const { anchors, rewards } = await toSettle(db, { batch: o.batch, sentOnly: xp });
  const n = { sent: 0, completed: credited, failed: 0, anchored: 0, errors: 0 };
  let reached = 0;
  let lastError = "";
  const confirmed: number[] = [];

  /** Counts a send that did not go out (refused, or not signed) against the item; fails it at maxAttempts. */
  async function refused(k: Kind, item: Item, e: unknown) {
    n.errors++;
    const error = lastError = message(e);
    await db.begin(async (tx) => {
      const [r] = await tx<{ state: string; attempts: number }[]>`
      UPDATE ${db(k.table)} SET attempts = attempts + 1, last_error = ${error},
        state = CASE WHEN attempts + 1 >= ${o.maxAttempts} THEN 'failed' ELSE state END
        ${
        k.settled
          ? db`, settled_at = CASE WHEN attempts + 1 >= ${o.maxAttempts} THEN ${at}::timestamptz END`
          : db``
      }
      WHERE ${db(k.key)} = ${item.id} AND state = 'processing'
      RETURNING state, attempts`;
      if (r?.state === "failed") {
        await failed(tx, k, item, error, { cause: "attempts", attempts: r.attempts });
      }
    });
  }

  /** Counts an item just failed; an anchor's `failure` opens its incident, in `tx`. */
  async function failed(
    tx: postgres.TransactionSql,
    k: Kind,
    item: Item,
    error: string,
    failure?: AnchorFailure,
  ) {
    n.failed++;
    if (k !== ANCHOR || !failure) return;
    const { adminChatId } = o;
    await openAnchorIncident(tx, {
      caseId: item.id,
      txHash: item.tx_hash,
      error,
      failure,
      at,
      adminChatId,
    });
  }

  /**
   * An RPC error on an item that may be on chain — a status check, or a send whose answer was
   * lost after signing (`hash`) — is noted, not counted: the hash is kept and watched until the
   * chain says (confirmed, reverted, or not found after `notFoundAfterMs`).
   */
  async function unsure(k: Kind, id: number, e: unknown, hash?: Hex) {
    n.errors++;
    const [error, known] = [lastError = message(e), hash ?? null];
    await db`
      UPDATE ${db(k.table)} SET last_error = ${error}, tx_hash = coalesce(tx_hash, ${known})
      WHERE ${db(k.key)} = ${id} AND state = 'processing'`;
  }

  /** Ends an item as failed with `why`, if it is still as we saw it. */
  async function fail(k: Kind, item: Item, why: string, failure?: AnchorFailure) {
    await db.begin(async (tx) => {
      const r = await tx`
      UPDATE ${db(k.table)} SET state = 'failed', last_error = ${why}
        ${k.settled ? db`, settled_at = ${at}` : db``}
      WHERE ${db(k.key)} = ${item.id} AND state = 'processing'
        AND tx_hash IS NOT DISTINCT FROM ${item.tx_hash}
        AND last_error IS NOT DISTINCT FROM ${item.last_error}`;
      if (r.count > 0) await failed(tx, k, item, why, failure);
    });
  }

  async function send(k: Kind, item: Item) {
    const claim = item.last_error?.startsWith(SENDING) ? item.last_error : null;
    if (claim) {
      const since = new Date(claim.slice(SENDING.length));
      if (!(at.getTime() - since.getTime() > o.claimStaleMs)) return; // another run is sending
      const what = k === REWARD ? `wardenReward(${item.id})` : `the commitment ${item.commitment}`;
      return await fail(
        k,
        item,
        `send interrupted (claimed ${since.toISOString()}, no hash stored): the transaction may ` +
          `be on chain; not sent again. Look for ${what} from ${o.rail.address}; if absent, ` +
          `reset state to processing and last_error to NULL`,
        { cause: "interrupted" },
      );
    }
    if (xp) return; // on xp nothing new is sent: the unsent rewards were credited as XP
    if (k === REWARD && !item.address) {
      return await fail(k, item, "the member has no linked wallet");
    }
    const won = await db`
      UPDATE ${db(k.table)} SET last_error = ${SENDING + at.toISOString()}
      WHERE ${db(k.key)} = ${item.id} AND state = 'processing' AND tx_hash IS NULL
        AND last_error IS NOT DISTINCT FROM ${item.last_error}`;
    if (won.count === 0) return; // another replica claimed it, or its state moved on
    let hash: Hex;
    try {
      hash = k === REWARD
        ? await o.rail.sendReward(item.address!, {
          id: Number(item.id),
          amount: Number(item.amount),
        })
        : await o.rail.anchorCommitment(`0x${item.commitment}`);
    } catch (e) {
      // Signed and then unreachable: the transaction may be in flight, its hash is watched.
      // Not signed, or refused by the node: nothing went out, the claim is released, counted.
      const hash = e instanceof RpcUnavailableError ? e.txHash : undefined;
      return await (hash ? unsure(k, item.id, e, hash) : refused(k, item, e));
    }
    reached++;
    // Stored before anything else can fail. `processing` again if a stale claim was failed.
    await db`
      UPDATE ${db(k.table)} SET tx_hash = ${hash}, last_error = NULL, state = 'processing'
        ${k.settled ? db`, settled_at = NULL` : db``}
      WHERE ${db(k.key)} = ${item.id} AND tx_hash IS NULL`;
    if (k === REWARD) n.sent++;
    else n.anchored++;
  }

  async function watch(k: Kind, item: Item) {
    let s;
    try {
      s = await o.rail.status(item.tx_hash!);
    } catch (e) {
      return await unsure(k, item.id, e);
    }
    reached++;
    if (s.state === "confirmed") {
      if (k === REWARD) return void confirmed.push(item.id);
      // Anchored after all (an operator reset it): its incident, if any, closes with one message.
      const [r] = await db<{ n: number }[]>`
        WITH done AS (
          UPDATE case_anchors SET state = 'completed', last_error = NULL
          WHERE case_id = ${item.id} AND state = 'processing' AND tx_hash = ${item.tx_hash}
          RETURNING case_id
        ), ${
        incidentWrites(db, {
          adminChatId: o.adminChatId,
          at,
          close: db`i.job = ${anchorIncidentJob(item.id)} AND EXISTS (SELECT 1 FROM done)`,
        })
      }
        SELECT count(*)::int AS n FROM done`;
      n.completed += r.n;
    } else if (s.state === "failed") {
      await fail(k, item, "transaction reverted", { cause: "reverted" });
    } else if (
      s.state === "not-found" && at.getTime() - item.created_at.getTime() > o.notFoundAfterMs
    ) {
      await fail(k, item, `transaction not found after ${span(o.notFoundAfterMs)}`, {
        cause: "not-found",
        afterMs: o.notFoundAfterMs,
      });
    }
  }

  for (const [k, items] of [[ANCHOR, anchors], [REWARD, rewards]] as const) {
    for (const item of items) {
      ctx.signal.throwIfAborted(); // between items only: never between a send and its store
      if (item.tx_hash === null) await send(k, item);
      else await watch(k, item);
    }
  }
  if (confirmed.length > 0) {
    n.completed += await db.begin((tx) => creditConfirmed(tx, confirmed, at));
  }
  if (n.errors > 0 && reached === 0) {
    throw new RpcUnavailableError(
      `settlement-monitor: every call to the EVM node failed (${n.errors} errors, ${n.failed} items ` +
        `failed); last: ${lastError}`,
    );
  }
  const { errors, ...details } = n;
  if (errors > 0) ctx.log.warn("settlement RPC errors", { errors, last: lastError });
  return {
    processed: credited + anchors.length + rewards.length,
    changed: n.sent + n.anchored + n.completed + n.failed,
    failed: errors,
    details,
  };
}

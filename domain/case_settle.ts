import type postgres from "postgres";

type Tx = postgres.TransactionSql;

/** The claim `settlement-monitor` writes in `last_error` before it sends (see there). */
export const SENDING = "sending since ";

/**
 * Credits rewards to the XP ledger and the members' balances and marks them completed, once:
 * each reward's ledger row is bound to `case:<case>:<kind>:<rank>`, so a reward credited before
 * (a retried settlement) adds nothing. `which` selects the rewards, still `processing`.
 */
async function credit(tx: Tx, which: ReturnType<Tx>, at: Date, toXp = false): Promise<number> {
  const done = await tx`
    WITH due AS (
      SELECT r.id, r.case_id, r.user_id, r.chat_id, r.amount, r.kind, r.rank FROM case_rewards r
      WHERE r.state = 'processing' AND ${which}
      FOR UPDATE
    ), paid AS (
      INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
      SELECT chat_id, user_id, amount, 'case', 'case:' || case_id || ':' || kind || ':' || rank, ${at}
      FROM due
      ON CONFLICT (chat_id, user_id, reason, source) DO NOTHING
      RETURNING chat_id, user_id, amount
    ), credited AS (
      UPDATE members m SET xp = m.xp + p.total, updated_at = now()
      FROM (SELECT chat_id, user_id, sum(amount) AS total FROM paid GROUP BY chat_id, user_id) p
      WHERE m.chat_id = p.chat_id AND m.user_id = p.user_id
    )
    UPDATE case_rewards r SET state = 'completed', settled_at = ${at}
      ${toXp ? tx`, rail = 'xp'` : tx``}
    FROM due WHERE r.id = due.id`;
  return done.count;
}

/**
 * The `xp` rail, in the closure's transaction: the case's ledger rewards (written `completed`)
 * credited to the ledger and the balances in one statement, each bound to its own ledger row.
 */
export async function creditLedger(tx: Tx, caseId: number, at: Date): Promise<number> {
  const paid = await tx`
    WITH paid AS (
      INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
      SELECT chat_id, user_id, amount, 'case', 'case:' || case_id || ':' || kind || ':' || rank, ${at}
      FROM case_rewards WHERE case_id = ${caseId} AND rail = 'xp'
      ON CONFLICT (chat_id, user_id, reason, source) DO NOTHING
      RETURNING chat_id, user_id, amount
    )
    UPDATE members m SET xp = m.xp + p.total, updated_at = now()
    FROM (SELECT chat_id, user_id, sum(amount) AS total FROM paid GROUP BY chat_id, user_id) p
    WHERE m.chat_id = p.chat_id AND m.user_id = p.user_id`;
  return paid.count;
}

/** The `evm` rail: rewards whose transaction is confirmed, credited once. */
export function creditConfirmed(tx: Tx, ids: number[], at: Date): Promise<number> {
  return credit(tx, tx`r.id = ANY(${ids}::bigint[])`, at);
}

/**
 * After `SETTLEMENT_RAIL` went from `evm` to `xp`: the `evm` rewards never sent — no hash and no
 * send claimed — settled as the ledger rail settles them (`rail = 'xp'`, credited once). A
 * reward with a hash is left to `settlement-monitor` to watch; one whose send was claimed but
 * never stored may be on chain, and is failed by it for an operator to check, never credited.
 */
export function creditUnsent(tx: Tx, at: Date): Promise<number> {
  return credit(
    tx,
    tx`r.rail = 'evm' AND r.tx_hash IS NULL
       AND (r.last_error IS NULL OR r.last_error NOT LIKE ${SENDING + "%"})`,
    at,
    true,
  );
}

import type postgres from "postgres";

type Tx = postgres.TransactionSql;

/**
 * Credits rewards to the XP ledger and the members' balances and marks them completed, once:
 * each reward's ledger row is bound to `case:<case>:<kind>:<rank>`, so a reward credited before
 * (a retried settlement) adds nothing. `which` selects the rewards, still `processing`.
 */
async function credit(tx: Tx, which: ReturnType<Tx>, at: Date): Promise<number> {
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

import { defineJob, type JobContext, type JobSpec, type RunResult } from "../actors/job.ts";
import { incidentWrites } from "./incidents.ts";
import type { EvmRail, Hex } from "./evm_types.ts";

export const VERDICT_CHECK = "verdict-check";

export interface VerdictCheckOptions {
  rail: EvmRail;
  /** Where a mismatch's alert goes (`ADMIN_CHAT_ID`); without it the incident row is still written. */
  adminChatId?: number;
  /** Anchors checked per run, oldest first; default 100. */
  batch?: number;
}

/** The incident's `job` for a case: one incident per case (see `verdictCheckJob`). */
export const mismatchIncidentJob = (caseId: number) => `${VERDICT_CHECK}:case-${caseId}`;

/**
 * `verdict-check` (every 2 min; seed 001): each commitment anchor with a transaction, not yet
 * checked OK and not `mismatch`/`failed`, is checked once per run with `checkCommitment`:
 *
 * - ok (found, confirmed, its data exactly `0x` + the case's commitment) → `checked_at`, never
 *   checked again;
 * - mismatch (other data, or reverted) → the anchor becomes `mismatch` and, in the same
 *   statement, an incident (reason `mismatch`, its detail naming the case and the transaction)
 *   opens with one alert to the admin chat through the outbox, in its language (`incidentWrites`). The state change is the gate: of
 *   two runs or replicas only one moves the anchor, and a `mismatch` anchor is not checked again,
 *   so a case raises one incident and one alert, ever. The incident's job is
 *   `verdict-check:case-<id>`, not `verdict-check`: the runtime closes a job's open incidents
 *   ("succeeded again") after each successful run of that job, which would close this one in the
 *   very run that opened it; and incidents are unique per open (job, reason), so one per case;
 * - missing → left to `settlement-monitor`'s not-found rule; pending → checked again next run.
 *
 * RPC errors are counted (`failed`); a run in which every check failed that way fails.
 */
export function verdictCheckJob(o: VerdictCheckOptions): JobSpec {
  return defineJob({
    name: VERDICT_CHECK,
    description: "Checks that each commitment transaction is confirmed and carries the commitment",
    schedule: { every: "2m" },
    timeout: "5m",
    run: (ctx) => check(ctx, o),
  });
}

async function check(ctx: JobContext, o: VerdictCheckOptions): Promise<RunResult> {
  const db = ctx.db;
  const at = ctx.scheduledFor;
  const anchors = await db<{ case_id: number; tx_hash: Hex; commitment: string }[]>`
    SELECT a.case_id, a.tx_hash, c.commitment
    FROM case_anchors a JOIN cases c ON c.id = a.case_id
    WHERE a.tx_hash IS NOT NULL AND a.state IN ('processing', 'completed') AND a.checked_at IS NULL
    ORDER BY a.created_at, a.case_id LIMIT ${o.batch ?? 100}`;
  const n = { ok: 0, mismatch: 0, missing: 0, pending: 0, errors: 0 };
  let lastError: unknown;
  for (const a of anchors) {
    ctx.signal.throwIfAborted();
    let verdict;
    try {
      verdict = await o.rail.checkCommitment(a.tx_hash, `0x${a.commitment}`);
    } catch (e) {
      n.errors++;
      lastError = e;
      ctx.log.warn("cannot check a commitment", { case: a.case_id, tx: a.tx_hash, error: e });
      continue;
    }
    if (verdict === "ok") {
      const r = await db`
        UPDATE case_anchors SET checked_at = ${at}
        WHERE case_id = ${a.case_id} AND tx_hash = ${a.tx_hash} AND checked_at IS NULL
          AND state IN ('processing', 'completed')`;
      n.ok += r.count;
    } else if (verdict === "mismatch") {
      const detail = `case ${a.case_id}: anchor transaction ${a.tx_hash} does not carry ` +
        `its commitment 0x${a.commitment} (other data, or reverted)`;
      const [r] = await db<{ flagged: number; opened: number }[]>`
        WITH flagged AS (
          UPDATE case_anchors SET state = 'mismatch', checked_at = ${at}, last_error = ${detail}
          WHERE case_id = ${a.case_id} AND tx_hash = ${a.tx_hash}
            AND state IN ('processing', 'completed')
          RETURNING case_id
        ), ${
        incidentWrites(db, {
          adminChatId: o.adminChatId,
          at,
          open: [{
            job: mismatchIncidentJob(a.case_id),
            reason: "mismatch",
            detail,
            args: { case: String(a.case_id), tx: a.tx_hash },
          }],
          openIf: db`EXISTS (SELECT 1 FROM flagged)`,
        })
      }
        SELECT (SELECT count(*) FROM flagged)::int AS flagged,
               (SELECT count(*) FROM opened)::int AS opened`;
      n.mismatch += r.flagged;
      if (r.opened > 0) ctx.log.warn("incident opened", { incident: detail });
    } else {
      n[verdict]++;
    }
  }
  if (n.errors > 0 && n.errors === anchors.length) throw lastError;
  const { errors, ...details } = n;
  return {
    processed: anchors.length,
    changed: n.ok + n.mismatch,
    failed: errors,
    details,
  };
}

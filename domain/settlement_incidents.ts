import type postgres from "postgres";
import { incidentWrites } from "./incidents.ts";

/** Why an anchor failed for good, as its admin alert says it (`anchor-failed-alert`). */
export type AnchorFailure =
  | { cause: "attempts"; attempts: number }
  | { cause: "reverted" }
  | { cause: "not-found"; afterMs: number }
  | { cause: "interrupted" };

/** The incident's `job` for a case's failed anchor: one per case, as `verdict-check`'s. */
export const anchorIncidentJob = (caseId: number) => `settlement-monitor:case-${caseId}`;

/**
 * Opens the incident (reason `anchor-failed`) of a case whose commitment anchor just failed for
 * good, with one alert to the admin chat in its language (`incidentWrites`), in the caller's
 * transaction — the one that moved the anchor to `failed`, so the state change is the gate: a
 * rerun or a replica finds it failed and opens nothing. Incidents are unique per open (job, reason) and the alert is keyed
 * by the incident. The job is `settlement-monitor:case-<id>`, not the monitor's own name, which
 * the runtime's "succeeded again" would close at the monitor's next good run.
 */
export async function openAnchorIncident(
  tx: postgres.TransactionSql,
  o: {
    caseId: number;
    txHash: string | null;
    /** The anchor's `last_error`: the incident's detail (English, for operators). */
    error: string;
    failure: AnchorFailure;
    at: Date;
    adminChatId?: number;
  },
): Promise<void> {
  const tx_ = o.txHash ? ` (transaction ${o.txHash})` : "";
  const f = o.failure;
  await tx`WITH ${
    incidentWrites(tx, {
      adminChatId: o.adminChatId,
      at: o.at,
      open: [{
        job: anchorIncidentJob(o.caseId),
        reason: "anchor-failed",
        detail: `case ${o.caseId}: commitment anchor failed${tx_}: ${o.error}`,
        args: {
          case: String(o.caseId),
          cause: f.cause,
          tx: o.txHash,
          window: f.cause === "not-found" ? Math.round(f.afterMs / 60_000) : null,
          attempts: f.cause === "attempts" ? f.attempts : null,
          error: o.error.slice(0, 500),
        },
      }],
    })
  } SELECT 1`;
}

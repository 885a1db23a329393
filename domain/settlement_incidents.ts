import type postgres from "postgres";
import { duration, languageOf } from "./i18n.ts";
import { t } from "./messages.ts";

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
 * good, with one alert to the admin chat in its language, in the caller's transaction — the one
 * that moved the anchor to `failed`, so the state change is the gate: a rerun or a replica finds
 * it failed and opens nothing. Incidents are unique per open (job, reason) and the alert is keyed
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
  const detail = `case ${o.caseId}: commitment anchor failed${tx_}: ${o.error}`.slice(0, 2_000);
  const [opened] = await tx<{ id: number }[]>`
    INSERT INTO incidents (job, reason, detail, opened_at)
    VALUES (${anchorIncidentJob(o.caseId)}, 'anchor-failed', ${detail}, ${o.at})
    ON CONFLICT (job, reason) WHERE closed_at IS NULL DO NOTHING
    RETURNING id`;
  if (!opened || o.adminChatId === undefined) return;
  const [chat] = await tx<{ language: string | null }[]>`
    SELECT language FROM chats WHERE chat_id = ${o.adminChatId}`;
  const lang = languageOf(chat?.language);
  const f = o.failure;
  const text = t(lang, "anchor-failed-alert", {
    case: String(o.caseId),
    incident: String(opened.id),
    cause: f.cause,
    tx: o.txHash ?? "",
    window: duration(lang, f.cause === "not-found" ? f.afterMs : 0),
    attempts: f.cause === "attempts" ? f.attempts : 0,
    error: o.error.slice(0, 500),
  });
  await tx`
    INSERT INTO outbox (chat_id, text, dedupe_key, expires_at)
    VALUES (${o.adminChatId}, ${text}, ${`incident:${opened.id}:opened`}, NULL)
    ON CONFLICT (dedupe_key) DO NOTHING`;
}

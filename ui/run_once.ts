/**
 * Run now from a dashboard form, once per form: the form's one-time id is recorded in the same
 * transaction that queues the run, so a second send of it (a double click, a resend, the other
 * replica) queues nothing and is told which run the first one queued.
 */
import type postgres from "postgres";
import { HttpError } from "../routes/errors.ts";

/** The form's one-time id, as the page writes it (`crypto.randomUUID()`). */
export const FORM_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** How long a sent form's id is remembered. */
const KEEP_MS = 24 * 3_600_000;

/**
 * Queues a run of `job` through `trigger` (which returns the run's id and throws when the
 * runtime refuses) unless the form `formId` was sent already: `{ queued }` or `{ replayed }`
 * with the first send's run id. Without a form id (an older page), it just queues.
 */
export async function runOnce(
  sql: postgres.Sql,
  formId: string | undefined,
  job: string,
  trigger: () => string,
  now: Date,
): Promise<{ queued: string } | { replayed: string | null }> {
  if (formId === undefined) return { queued: trigger() };
  if (!FORM_ID.test(formId)) {
    throw new HttpError(
      400,
      "The form is damaged (its id is not one this dashboard writes): " +
        "reload the page and try again.",
    );
  }
  return await sql.begin(async (tx) => {
    // A concurrent send of the same form waits on this row until the first commits.
    const [mine] = await tx`
      INSERT INTO dashboard_forms (form_id, job, expires_at)
      VALUES (${formId}, ${job}, ${new Date(now.getTime() + KEEP_MS)})
      ON CONFLICT (form_id) DO NOTHING RETURNING form_id`;
    if (!mine) {
      const [first] = await tx<{ run_id: string | null }[]>`
        SELECT run_id FROM dashboard_forms WHERE form_id = ${formId}`;
      return { replayed: first?.run_id ?? null };
    }
    const runId = trigger(); // refused (busy, stopped): the rollback forgets the form
    await tx`UPDATE dashboard_forms SET run_id = ${runId} WHERE form_id = ${formId}`;
    return { queued: runId };
  });
}

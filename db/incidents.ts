import type postgres from "postgres";
import type { AlertSink } from "../actors/runtime.ts";

/**
 * Alerts as incidents: a job given up opens an incident row (at most one open per job and
 * reason, so replicas that give up on the same job write one), and its alert goes to the
 * admin chat through the outbox in the same statement, keyed by the incident. The first
 * success of the job closes it with one recovery message. Without `adminChatId` the rows are
 * still written; the log carries the alert.
 */
export function incidentAlerts(sql: postgres.Sql, o: { adminChatId?: number }): AlertSink {
  const chat = o.adminChatId ?? null;
  return {
    async raise(alert) {
      await sql`
        WITH opened AS (
          INSERT INTO incidents (job, reason, detail, opened_at)
          VALUES (${alert.child}, 'gave-up', ${alert.error.slice(0, 2_000)}, ${alert.at})
          ON CONFLICT (job, reason) WHERE closed_at IS NULL DO NOTHING
          RETURNING id, job, detail)
        INSERT INTO outbox (chat_id, text, dedupe_key, expires_at)
        SELECT ${chat}::bigint,
               format(E'🚨 Warden: job %s was given up after repeated failures.\\n%s', job, left(detail, 500)),
               'incident:' || id || ':opened', NULL
        FROM opened WHERE ${chat}::bigint IS NOT NULL
        ON CONFLICT (dedupe_key) DO NOTHING`;
    },
    async recovered(job) {
      await sql`
        WITH closed AS (
          UPDATE incidents SET closed_at = now()
          WHERE job = ${job} AND closed_at IS NULL
          RETURNING id, job, opened_at)
        INSERT INTO outbox (chat_id, text, dedupe_key, expires_at)
        SELECT ${chat}::bigint,
               format('✅ Warden: job %s succeeded again; incident %s is closed.', job, id),
               'incident:' || id || ':closed', NULL
        FROM closed WHERE ${chat}::bigint IS NOT NULL
        ON CONFLICT (dedupe_key) DO NOTHING`;
    },
  };
}

/** An incident as the API and the CLI show it. */
export interface Incident {
  id: number;
  job: string;
  reason: string;
  detail: string;
  openedAt: Date;
  closedAt: Date | null;
}

/** The newest `limit` incidents (only the open ones with `open`), newest first. */
export async function listIncidents(
  sql: postgres.Sql,
  o: { open: boolean; limit: number },
): Promise<Incident[]> {
  const rows = await sql<Incident[]>`
    SELECT id, job, reason, detail, opened_at AS "openedAt", closed_at AS "closedAt"
    FROM incidents WHERE ${o.open} = false OR closed_at IS NULL
    ORDER BY opened_at DESC, id DESC LIMIT ${o.limit}`;
  return [...rows];
}

/**
 * Why incidents open: a job given up by its supervisor, `health-monitor`'s reasons, a verdict
 * commitment on chain that does not match (`verdict-check`), and a commitment anchor that failed
 * for good (`settlement-monitor`).
 */
export const INCIDENT_REASONS = [
  "gave-up",
  "stale",
  "failing",
  "paused",
  "mismatch",
  "anchor-failed",
] as const;

/** Open incidents per reason, every reason present (0 when none is open). */
export async function openIncidentCounts(
  sql: postgres.Sql,
): Promise<Array<{ reason: string; n: number }>> {
  return [
    ...await sql<{ reason: string; n: number }[]>`
      SELECT r.reason, count(i.id)::int AS n
      FROM unnest(${[...INCIDENT_REASONS]}::text[]) AS r(reason)
      LEFT JOIN incidents i ON i.reason = r.reason AND i.closed_at IS NULL
      GROUP BY r.reason ORDER BY r.reason`,
  ];
}

import type postgres from "postgres";
import type { AlertSink } from "../actors/runtime.ts";
import { oneLine } from "./one_line.ts";
import { type SqlArg, sqlLanguage, sqlLiteral, sqlMessage, sqlSpan } from "./job_texts.ts";

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

/** An incident to open: its detail (English, for operators) and what its alert says. */
export interface IncidentOpen {
  job: string;
  reason: typeof INCIDENT_REASONS[number];
  detail: string;
  /**
   * The alert's arguments (`<reason>-alert` in `locales/<lang>/alerts.ftl`): spans in minutes
   * (`window`, `ago`, `for`, `limit`), counts (`failures`, `attempts`), texts (`case`, `tx`,
   * `cause`, `last`, `error`).
   */
  args?: Record<string, string | number | null>;
}

const num = (k: string) => `(a.args->>${sqlLiteral(k)})::bigint`;
const str = (k: string): SqlArg => ({ text: `coalesce(a.args->>${sqlLiteral(k)}, '')` });
const span = (minutes: string): SqlArg => ({
  text: (lang) => `coalesce(${sqlSpan(minutes, lang)}, '')`,
});
const BASE: Record<string, SqlArg> = { job: { text: "a.job" }, incident: { text: "a.id::text" } };

/** Each reason's alert when its incident opens, and (`-closed`) when it closes, as SQL. */
const ALERTS: Record<string, [string, Record<string, SqlArg>]> = {
  "gave-up": ["gave-up-alert", { error: { text: "left(a.detail, 500)" } }],
  stale: ["stale-alert", {
    window: span(num("window")),
    last: { select: "a.args->>'last'", values: ["never"] },
    ago: span(num("ago")),
  }],
  failing: ["failing-alert", { failures: { number: `coalesce(${num("failures")}, 0)` } }],
  paused: ["paused-alert", { for: span(num("for")), limit: span(num("limit")) }],
  mismatch: ["mismatch-alert", { case: str("case"), tx: str("tx") }],
  "anchor-failed": ["anchor-failed-alert", {
    case: str("case"),
    cause: { select: "a.args->>'cause'", values: ["reverted", "not-found", "interrupted"] },
    tx: str("tx"),
    window: span(num("window")),
    attempts: { number: `coalesce(${num("attempts")}, 0)` },
    error: str("error"),
  }],
  "gave-up-closed": ["gave-up-closed-alert", {}],
  "anchor-closed": ["anchor-failed-closed-alert", {
    case: { text: "coalesce(substring(a.job FROM 'case-([0-9]+)$'), '?')" },
  }],
  "monitor-closed": ["monitor-closed-alert", {
    reason: { select: "a.reason", values: ["stale", "failing", "paused"] },
  }],
  "operator-closed": ["operator-closed-alert", {
    reason: { select: "a.reason", values: [...INCIDENT_REASONS] },
    by: { text: "coalesce(a.closed_by, '')" },
    note: { text: "coalesce(a.close_note, '')" },
  }],
};
/**
 * Incidents that close by themselves, with a message (`mismatch` never does: an operator reads
 * it and closes it, see `closeIncident`; any incident an operator closes says so instead).
 */
const CLOSED: Record<string, string> = {
  "gave-up": "gave-up-closed",
  "anchor-failed": "anchor-closed",
  stale: "monitor-closed",
  failing: "monitor-closed",
  paused: "monitor-closed",
};

let alertText: string | undefined;
/** The text of row `a` (id, job, reason, detail, args, event, span) in language `l.lang`. */
function alertSql(): string {
  const message = (key: string) => {
    const [id, args] = ALERTS[key];
    return sqlMessage(id, "l.lang", { ...BASE, ...args, span: span("a.span") });
  };
  const whens = (pairs: [string, string][]) =>
    pairs.map(([reason, key]) => `WHEN ${sqlLiteral(reason)} THEN ${message(key)}`).join(" ");
  return alertText ??= `CASE a.event
    WHEN 'opened' THEN CASE a.reason ${whens(INCIDENT_REASONS.map((r) => [r, r]))} END
    WHEN 'closed-by' THEN ${message("operator-closed")}
    ELSE CASE a.reason ${whens(Object.entries(CLOSED))} END END`;
}

/**
 * The writes of an incident's life as CTEs (`found`, `opened`, `closed`, `alerts`), for a
 * caller's `WITH [its own CTEs,] ${incidentWrites(…)} SELECT …`: `open` opens an incident per row that has
 * none open (incidents are unique per open job and reason), only if `openIf` holds (a SQL
 * condition, e.g. on the caller's own CTE that moved a state); `close` closes the open
 * incidents `incidents i` that it holds for (it may read `found`), at `at`. Each incident opened
 * or closed queues one alert to the admin chat through the outbox, in the admin chat's language
 * (its `chats.language`, else English; `locales/<lang>/alerts.ftl`), keyed by the incident: a
 * rerun, or a second replica, queues nothing more. Without `adminChatId` only the rows are
 * written. `opened` and `closed` return `id, job, reason`.
 */
export function incidentWrites(
  sql: postgres.Sql | postgres.TransactionSql,
  o: {
    adminChatId?: number;
    at: Date;
    open?: readonly IncidentOpen[];
    openIf?: postgres.PendingQuery<postgres.Row[]>;
    close?: postgres.PendingQuery<postgres.Row[]>;
    /** An operator's close: who (`api`, `cli`) and why, kept with the incident and alerted. */
    closedBy?: { author: string; note: string };
  },
): postgres.PendingQuery<postgres.Row[]> {
  const chat = o.adminChatId ?? null;
  const found = (o.open ?? []).map((f) => ({
    ...f,
    detail: f.detail.slice(0, 2_000),
    args: f.args ?? {},
  }));
  const lang = sql.unsafe(sqlLanguage("c.language", "NULL::text"));
  // No admin chat, no alert, so no alert text: building it formats numbers and plurals (`Intl`),
  // loading ~5 MB of locale data into an idle Warden (health-monitor runs every 5 minutes).
  const text = chat === null ? "NULL::text" : alertSql();
  return sql`
    found AS (
      SELECT * FROM json_to_recordset(${JSON.stringify(found)}::text::json)
        AS f(job text, reason text, detail text, args json)
    ), opened AS (
      INSERT INTO incidents (job, reason, detail, opened_at)
      SELECT job, reason, detail, ${o.at} FROM found WHERE ${o.openIf ?? sql`true`}
      ON CONFLICT (job, reason) WHERE closed_at IS NULL DO NOTHING
      RETURNING id, job, reason, detail
    ), closed AS (
      UPDATE incidents i SET closed_at = ${o.at}, closed_by = ${o.closedBy?.author ?? null},
                             close_note = ${o.closedBy?.note ?? null}
      WHERE i.closed_at IS NULL AND ${o.close ?? sql`false`}
      RETURNING id, job, reason, detail, opened_at, closed_at, closed_by, close_note
    ), alerts AS (
      INSERT INTO outbox (chat_id, text, dedupe_key, expires_at)
      SELECT ${chat}::bigint, a.text, 'incident:' || a.id || ':' || a.event, NULL::timestamptz
      FROM (
        SELECT a.*, ${sql.unsafe(text)} AS text
        FROM (
          SELECT o.id, o.job, o.reason, o.detail, f.args, 'opened' AS event, 0::bigint AS span,
                 NULL::text AS closed_by, NULL::text AS close_note
          FROM opened o JOIN found f USING (job, reason)
          UNION ALL
          SELECT c.id, c.job, c.reason, c.detail, NULL::json,
                 CASE WHEN c.closed_by IS NULL THEN 'closed' ELSE 'closed-by' END,
                 round(extract(epoch FROM c.closed_at - c.opened_at) / 60)::bigint,
                 c.closed_by, c.close_note
          FROM closed c
        ) a
        CROSS JOIN (
          SELECT coalesce((SELECT ${lang} FROM chats c WHERE c.chat_id = ${chat}::bigint), 'en')
            AS lang
        ) l
        WHERE ${chat}::bigint IS NOT NULL
      ) a
      WHERE a.text IS NOT NULL
      ON CONFLICT (dedupe_key) DO NOTHING
    )`;
}

/**
 * Alerts as incidents: a job given up opens an incident row (at most one open per job and
 * reason, so replicas that give up on the same job write one), and its alert goes to the
 * admin chat through the outbox in the same statement, keyed by the incident. The first
 * success of the job closes it with one recovery message. Without `adminChatId` the rows are
 * still written; the log carries the alert.
 */
export function incidentAlerts(sql: postgres.Sql, o: { adminChatId?: number }): AlertSink {
  return {
    async raise(alert) {
      const open = [{ job: alert.child, reason: "gave-up" as const, detail: alert.error }];
      await sql`WITH ${incidentWrites(sql, { ...o, at: alert.at, open })} SELECT 1`;
    },
    async recovered(job, at) {
      const close = sql`i.job = ${job}`;
      await sql`WITH ${incidentWrites(sql, { ...o, at, close })} SELECT 1`;
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
  /** Who closed it, when an operator did (`api`, `cli`), and why; null when it closed itself. */
  closedBy: string | null;
  note: string | null;
}

/** The columns of an `Incident`, for a `SELECT … FROM incidents`. */
export const INCIDENT_COLUMNS =
  `id, job, reason, detail, opened_at AS "openedAt", closed_at AS "closedAt",
  closed_by AS "closedBy", close_note AS note`;

/** Paging from an incident that does not exist: there is no place in the list to go on from. */
export class UnknownIncident extends Error {
  override name = "UnknownIncident";
  constructor(readonly id: number) {
    super(`no incident ${id} to page from`);
  }
}

/**
 * The newest `limit` incidents (only the open ones with `open`), newest first (by `opened_at`,
 * then id). `beforeId` pages on: the incidents after that one in this order (keyset on
 * `(opened_at, id)`, since ids and opening times need not agree); UnknownIncident if there is
 * no such incident.
 */
export async function listIncidents(
  sql: postgres.Sql,
  o: { open: boolean; limit: number; beforeId?: number },
): Promise<Incident[]> {
  const before = o.beforeId ?? null;
  const rows = await sql<Incident[]>`
    SELECT ${sql.unsafe(INCIDENT_COLUMNS)}
    FROM incidents
    WHERE (${o.open} = false OR closed_at IS NULL)
      AND (${before}::bigint IS NULL
           OR (opened_at, id) < (SELECT a.opened_at, a.id FROM incidents a WHERE a.id = ${before}::bigint))
    ORDER BY opened_at DESC, id DESC LIMIT ${o.limit}`;
  if (rows.length === 0 && before !== null) {
    // An empty page: the end of the list, or an anchor that never was (only then one more read).
    const [{ known }] = await sql<{ known: boolean }[]>`
      SELECT EXISTS (SELECT 1 FROM incidents WHERE id = ${before}::bigint) AS known`;
    if (!known) throw new UnknownIncident(before);
  }
  return [...rows];
}

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

/** The longest note an operator may close an incident with. */
export const CLOSE_NOTE_MAX = 500;

/** Why an operator's close was refused: no such incident (404), or it is closed already (409). */
export type CloseRefusal = { status: 404 | 409; error: string };

/**
 * An operator closes open incident `id` with a note (why: what was checked or done), as `author`
 * (`api`, `cli`): one statement closes it, keeps who and why, and queues one ✅ message to the
 * admin chat saying so, in its language. A `mismatch` closes only this way. A trouble that is
 * still there opens a new incident at its job's next check. Two operators (or replicas) at once:
 * one closes it, the other is told it is closed.
 */
export async function closeIncident(
  sql: postgres.Sql,
  o: { id: number; author: string; note: string; adminChatId?: number },
): Promise<{ incident: Incident } | CloseRefusal> {
  // the database's clock, as the runtime's: a host behind it would close before the opening
  const [{ at }] = await sql<{ at: Date }[]>`SELECT now() AS at`;
  const close = sql`i.id = ${o.id}`;
  const closedBy = { author: o.author, note: o.note };
  const [done] = await sql<{ id: number }[]>`
    WITH ${incidentWrites(sql, { adminChatId: o.adminChatId, at, close, closedBy })}
    SELECT id FROM closed`;
  const [incident] = await sql<Incident[]>`
    SELECT ${sql.unsafe(INCIDENT_COLUMNS)} FROM incidents WHERE id = ${o.id}`;
  if (!incident) return { status: 404, error: `no incident ${o.id}` };
  if (!done) {
    return {
      status: 409,
      error: `incident ${o.id} is closed already (${incident.closedAt!.toISOString()}${
        incident.closedBy ? ` by ${incident.closedBy}` : ""
      })`,
    };
  }
  return { incident };
}

/** A note to close an incident with, or a RangeError naming what is wrong with it. */
export function checkCloseNote(note: unknown): string {
  return oneLine("note", note, CLOSE_NOTE_MAX);
}

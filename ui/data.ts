/**
 * The dashboard's own reads: each one statement, index-driven, bounded by a limit. The rest
 * (tasks, boards, profiles, badges, incidents, the outbox) comes from the modules the API uses.
 */
import type postgres from "postgres";
import { type Incident, INCIDENT_COLUMNS } from "../domain/incidents.ts";

export interface SparkRun {
  job: string;
  durationMs: number;
  outcome: string;
  /** What the run reported it changed (`processed`, `notified`, …). */
  result: unknown;
}

/** The last `n` finished runs of each job, oldest first: one index range per job. */
export async function recentRuns(
  sql: postgres.Sql,
  jobs: string[],
  n: number,
): Promise<Map<string, SparkRun[]>> {
  const rows = await sql<SparkRun[]>`
    SELECT j.job, r.duration_ms::float8 AS "durationMs", r.outcome, r.result
    FROM unnest(${jobs}::text[]) AS j (job)
    CROSS JOIN LATERAL (
      SELECT started_at, outcome, result,
             extract(epoch FROM (finished_at - started_at)) * 1000 AS duration_ms
      FROM job_runs
      WHERE job = j.job AND outcome <> 'running' AND finished_at IS NOT NULL
      ORDER BY started_at DESC LIMIT ${n}
    ) r
    ORDER BY j.job, r.started_at`;
  const byJob = new Map<string, SparkRun[]>(jobs.map((j) => [j, []]));
  for (const r of rows) byJob.get(r.job)!.push(r);
  return byJob;
}

export interface HistoryRun {
  id: string;
  scheduledFor: Date;
  trigger: string;
  node: string;
  outcome: string;
  attempt: number;
  startedAt: Date;
  finishedAt: Date | null;
  result: unknown;
  error: string | null;
}

export interface HistoryFilter {
  outcome?: string;
  trigger?: string;
  /** Runs that started before this one (its start and id), for the next page. */
  before?: { startedAt: Date; id: string };
  limit: number;
}

export const OUTCOMES = ["running", "succeeded", "failed", "abandoned", "skipped"] as const;
export const TRIGGERS = ["cron", "manual", "catch-up", "retry"] as const;

/** One page of a job's runs, newest first, keyset-paged on (started_at, id). */
export async function runHistory(
  sql: postgres.Sql,
  job: string,
  f: HistoryFilter,
): Promise<{ runs: HistoryRun[]; more: boolean }> {
  const rows = await sql<HistoryRun[]>`
    SELECT id, scheduled_for AS "scheduledFor", trigger, node, outcome, attempt,
           started_at AS "startedAt", finished_at AS "finishedAt", result, error
    FROM job_runs
    WHERE job = ${job}
      ${f.outcome ? sql`AND outcome = ${f.outcome}` : sql``}
      ${f.trigger ? sql`AND trigger = ${f.trigger}` : sql``}
      ${
    f.before ? sql`AND (started_at, id) < (${f.before.startedAt}, ${f.before.id}::uuid)` : sql``
  }
    ORDER BY started_at DESC, id DESC LIMIT ${f.limit + 1}`;
  return { runs: rows.slice(0, f.limit), more: rows.length > f.limit };
}

/** An incident as the dashboard lists it: as the API does. */
export type IncidentRow = Incident;

/** Incidents of one job, its cases' included (`verdict-check:case-7`), newest first. */
export async function jobIncidents(sql: postgres.Sql, job: string, limit: number) {
  return await sql<IncidentRow[]>`
    SELECT ${sql.unsafe(INCIDENT_COLUMNS)}
    FROM incidents WHERE split_part(job, ':', 1) = ${job}
    ORDER BY opened_at DESC, id DESC LIMIT ${limit}`;
}

/** Open incidents across the cluster, by job. */
export async function openIncidents(sql: postgres.Sql) {
  return await sql<IncidentRow[]>`
    SELECT ${sql.unsafe(INCIDENT_COLUMNS)}
    FROM incidents WHERE closed_at IS NULL ORDER BY opened_at DESC LIMIT 50`;
}

export interface ChatRow {
  chatId: number;
  title: string;
  kind: string;
  members: number;
  active24h: number | null;
  messages24h: number | null;
  backlog: number;
  snapshotAt: Date | null;
}

/**
 * Every chat with its member count, the latest community-metrics snapshot (activity) and the
 * notifications still waiting for it (backlog, live).
 */
export async function chatRows(sql: postgres.Sql, only?: number): Promise<ChatRow[]> {
  return await sql<ChatRow[]>`
    SELECT c.chat_id AS "chatId", c.title, c.kind,
           (SELECT count(*) FROM members m WHERE m.chat_id = c.chat_id AND NOT m.is_bot)::int AS members,
           s.active_24h AS "active24h", s.messages_24h AS "messages24h", s.at AS "snapshotAt",
           (SELECT count(*) FROM outbox o
             WHERE o.chat_id = c.chat_id AND o.state IN ('pending', 'sending'))::int AS backlog
    FROM chats c
    LEFT JOIN LATERAL (
      SELECT * FROM chat_metrics cm WHERE cm.chat_id = c.chat_id ORDER BY cm.at DESC LIMIT 1
    ) s ON true
    ${only === undefined ? sql`` : sql`WHERE c.chat_id = ${only}`}
    ORDER BY c.title, c.chat_id`;
}

export interface MemberHit {
  userId: number;
  name: string;
  username: string | null;
  level: number;
  xp: number;
}

/** Accented letters and what search reads them as (lower case): "ñúñez" as "nunez". */
const ACCENTED = "áàâäãåéèêëíìîïóòôöõúùûüñçý";
const PLAIN = "aaaaaaeeeeiiiiooooouuuuncy";

/**
 * Members of a chat with a word of their name starting with `q` (any case, accents aside:
 * "garcia" finds "Ana García"), or whose @username starts with it, or whose id is `q`; the
 * highest XP first, at most `limit`.
 */
export async function searchMembers(
  sql: postgres.Sql,
  chatId: number,
  q: string,
  limit: number,
): Promise<MemberHit[]> {
  const needle = q.trim().replace(/^@/, "").toLowerCase();
  const pattern = `${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const id = /^\d{1,16}$/.test(needle) ? Number(needle) : null;
  // The same folding on both sides (a needle typed with its accents matches too).
  const name = sql`translate(lower(display_name), ${ACCENTED}, ${PLAIN})`;
  const word = sql`translate(${pattern}::text, ${ACCENTED}, ${PLAIN})`;
  return await sql<MemberHit[]>`
    SELECT user_id AS "userId", display_name AS name, username, level, xp::float8 AS xp
    FROM members
    WHERE chat_id = ${chatId} AND NOT is_bot AND (
      lower(username) LIKE ${pattern} OR ${name} LIKE ${word} OR ${name} LIKE '% ' || ${word}
      ${id !== null ? sql`OR user_id = ${id}` : sql``})
    ORDER BY xp DESC, user_id LIMIT ${limit}`;
}

/** Whether member `userId` of chat `chatId` is a bot account (bots earn no XP: no Give). */
export async function isBotMember(
  sql: postgres.Sql,
  chatId: number,
  userId: number,
): Promise<boolean> {
  const [row] = await sql<{ is_bot: boolean }[]>`
    SELECT is_bot FROM members WHERE chat_id = ${chatId} AND user_id = ${userId}`;
  return row?.is_bot ?? false;
}

import type postgres from "postgres";
import { defineJob, type JobSpec } from "../actors/job.ts";

const HOUR = 3_600_000;

/**
 * `community-metrics` (every 15 min, seed 004's metrics refresh): one `chat_metrics` row per
 * group or supergroup and run, as of the run's slot `at`, in ONE set-based statement. The
 * counters cover the 24 h before the slot, `[at - 24 h, at)`:
 *
 * - `messages_24h`: XP ledger rows with reason `message` in the window (every human, non-service
 *   message has one, even when it paid 0 XP: the cap or a no-XP topic);
 * - `xp_24h`: the sum of every ledger row's amount in the window (messages, thanks, badges,
 *   admin moves: net XP);
 * - `active_24h`: distinct members among those message rows;
 * - `level_ups_24h`: members listed in the `level_up` events of `level-ups` runs whose slot is in
 *   the window (one event row lists many members: `[user, old, new]` each);
 * - `badges_24h`: badges awarded in the window.
 *
 * And the gauges, as they stand when the run reads them:
 *
 * - `active_7d`: members whose `last_activity_at >= at - 7 d`. No upper bound: a snapshot is
 *   written once per slot at its time, when nothing later than the slot exists yet (only a late
 *   catch-up of an old slot would count activity after it, and it is the newer truth);
 * - `streaks_alive`: streaks with `current > 0`;
 * - `outbox_backlog`: notifications addressed to the chat itself still `pending` or `sending`.
 *
 * `ON CONFLICT (chat_id, at) DO NOTHING`: a rerun of the slot, or a second replica running it at
 * the same time, writes nothing more (the loser waits on the winner's row, then skips it). Each
 * count is an index range per chat (`xp_ledger_chat_time` and the indexes of
 * `0012_metrics_index.sql`); the level-ups are read once for all chats through `events_run`.
 * Retention: `retention-cleanup` deletes snapshots older than `METRICS_RETENTION_DAYS`.
 */
export function communityMetricsJob(): JobSpec {
  return defineJob({
    name: "community-metrics",
    description: "Writes a per-chat snapshot of activity, XP, level-ups, badges, streaks, backlog",
    schedule: "*/15 * * * *",
    timeout: "2m",
    async run(ctx) {
      const at = ctx.scheduledFor;
      const since = new Date(at.getTime() - 24 * HOUR);
      const weekAgo = new Date(at.getTime() - 7 * 24 * HOUR);
      const [r] = await ctx.db<{ processed: number; changed: number }[]>`
        WITH ups AS (
          SELECT chat_id, sum(jsonb_array_length(payload->'members'))::int AS n
          FROM events
          WHERE job = 'level-ups' AND slot >= ${since} AND slot < ${at} AND kind = 'level_up'
          GROUP BY chat_id
        ), snap AS (
          SELECT c.chat_id, l.active, w.n AS week, l.messages, l.xp, coalesce(u.n, 0) AS ups,
                 b.n AS badges, s.n AS streaks, o.n AS backlog
          FROM chats c
          CROSS JOIN LATERAL (
            SELECT count(DISTINCT user_id) FILTER (WHERE reason = 'message') AS active,
                   count(*) FILTER (WHERE reason = 'message') AS messages,
                   coalesce(sum(amount), 0) AS xp
            FROM xp_ledger
            WHERE chat_id = c.chat_id AND created_at >= ${since} AND created_at < ${at}
          ) l
          CROSS JOIN LATERAL (
            SELECT count(*) AS n FROM members
            WHERE chat_id = c.chat_id AND last_activity_at >= ${weekAgo}
          ) w
          CROSS JOIN LATERAL (
            SELECT count(*) AS n FROM member_badges
            WHERE chat_id = c.chat_id AND awarded_at >= ${since} AND awarded_at < ${at}
          ) b
          CROSS JOIN LATERAL (
            SELECT count(*) AS n FROM streaks WHERE chat_id = c.chat_id AND current > 0
          ) s
          CROSS JOIN LATERAL (
            SELECT count(*) AS n FROM outbox
            WHERE chat_id = c.chat_id AND state IN ('pending', 'sending')
          ) o
          LEFT JOIN ups u ON u.chat_id = c.chat_id
          WHERE c.kind IN ('group', 'supergroup')
        ), inserted AS (
          INSERT INTO chat_metrics (chat_id, at, active_24h, active_7d, messages_24h, xp_24h,
                                    level_ups_24h, badges_24h, streaks_alive, outbox_backlog)
          SELECT chat_id, ${at}, active, week, messages, xp, ups, badges, streaks, backlog FROM snap
          ON CONFLICT (chat_id, at) DO NOTHING
          RETURNING 1
        )
        SELECT (SELECT count(*) FROM snap)::int AS processed,
               (SELECT count(*) FROM inserted)::int AS changed`;
      return {
        processed: r.processed,
        changed: r.changed,
        details: {
          chats: r.processed,
          written: r.changed,
          alreadyWritten: r.processed - r.changed,
        },
      };
    },
  });
}

/** One snapshot as the API shows it. */
export interface MetricsPoint {
  at: string;
  active24h: number;
  active7d: number;
  messages24h: number;
  xp24h: number;
  levelUps24h: number;
  badges24h: number;
  streaksAlive: number;
  outboxBacklog: number;
}

/** A chat's snapshots with `from <= at <= to`, oldest first (a primary-key range). */
export async function readChatMetrics(
  sql: postgres.Sql,
  chatId: number,
  range: { from: Date; to: Date },
): Promise<MetricsPoint[]> {
  const rows = await sql<(Omit<MetricsPoint, "at"> & { at: Date })[]>`
    SELECT at, active_24h AS "active24h", active_7d AS "active7d", messages_24h AS "messages24h",
           xp_24h AS "xp24h", level_ups_24h AS "levelUps24h", badges_24h AS "badges24h",
           streaks_alive AS "streaksAlive", outbox_backlog AS "outboxBacklog"
    FROM chat_metrics
    WHERE chat_id = ${chatId} AND at >= ${range.from} AND at <= ${range.to}
    ORDER BY at`;
  return rows.map((r) => ({ ...r, at: r.at.toISOString() }));
}

/** Cluster-wide sums of the newest run's snapshots (one per group chat). */
export interface CommunityTotals {
  at: Date;
  chats: number;
  active24h: number;
  active7d: number;
  messages24h: number;
  xp24h: number;
  levelUps24h: number;
  badges24h: number;
  streaksAlive: number;
  outboxBacklog: number;
}

/**
 * The totals over the newest snapshot of each chat: the rows of the newest run (each run writes
 * every group chat in one statement, so the newest `at` holds a whole set; a chat no longer a
 * group, or renamed by a merge, stops counting instead of counting stale for ever). One probe of
 * `chat_metrics_at` and the rows of one slot. Null before the first run.
 */
export async function communityTotals(sql: postgres.Sql): Promise<CommunityTotals | null> {
  const [t] = await sql<(CommunityTotals & { at: Date | null })[]>`
    SELECT max(at) AS at, count(*)::int AS chats,
           coalesce(sum(active_24h), 0)::float8 AS "active24h",
           coalesce(sum(active_7d), 0)::float8 AS "active7d",
           coalesce(sum(messages_24h), 0)::float8 AS "messages24h",
           coalesce(sum(xp_24h), 0)::float8 AS "xp24h",
           coalesce(sum(level_ups_24h), 0)::float8 AS "levelUps24h",
           coalesce(sum(badges_24h), 0)::float8 AS "badges24h",
           coalesce(sum(streaks_alive), 0)::float8 AS "streaksAlive",
           coalesce(sum(outbox_backlog), 0)::float8 AS "outboxBacklog"
    FROM chat_metrics
    WHERE at = (SELECT max(at) FROM chat_metrics)`;
  return t.at === null ? null : t;
}

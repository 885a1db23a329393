import { defineJob, type JobSpec } from "../actors/job.ts";
import type { ScheduleInput } from "../actors/schedule.ts";
import { walkMembers } from "./batches.ts";

export interface LevelUpsOptions {
  batchSize: number;
  /** Send level-up messages (seed 000 `NOTIFY_LEVEL_UP`); the events are written either way. */
  notify: boolean;
  schedule?: ScheduleInput;
  /** Batches walked at once, each on its own connection (see `walkMembers`); default 1. */
  concurrency?: number;
  /** Runs inside each batch's transaction, after the change (tests crash here). */
  afterBatch?: (batch: number) => void | Promise<void>;
}

/**
 * `level-ups` (seeds 000, 003): members whose XP reached the next level's threshold are
 * levelled up, several levels at once if owed, never past the cap, in keyset batches over
 * the members who are due. In the same transaction as each batch: a `level_up` event per
 * group listing its members, and a private message to those who started the bot. After the batches, one digest
 * per group, built from this run's events (so a retry of the slot still sends one).
 */
export function levelUpsJob(options: LevelUpsOptions): JobSpec {
  return defineJob({
    name: "level-ups",
    description: "Levels up members whose XP reached the next threshold; one digest per group",
    schedule: options.schedule ?? "0 */6 * * *",
    timeout: "30m",
    catchUp: { policy: "once" },
    async run(ctx) {
      const slot = ctx.scheduledFor;
      const walked = await walkMembers(ctx, (tx, after) =>
        tx`
          batch AS (
            SELECT chat_id, user_id, level AS old_level, xp FROM members
            WHERE xp >= next_level_xp AND ${after}
            ORDER BY chat_id, user_id
            LIMIT ${options.batchSize}
          ), target AS (
            SELECT b.chat_id, b.user_id, b.old_level, l.number AS new_level, l.name AS new_name,
                   l.benefits, o.name AS old_name, nx.min_xp AS next_xp
            FROM batch b
            CROSS JOIN LATERAL (
              SELECT number, name, benefits FROM levels WHERE min_xp <= b.xp ORDER BY min_xp DESC LIMIT 1
            ) l
            LEFT JOIN levels o ON o.number = b.old_level
            LEFT JOIN levels nx ON nx.number = l.number + 1
          ), changed AS (
            UPDATE members m SET level = t.new_level, next_level_xp = t.next_xp, updated_at = now()
            FROM target t
            WHERE m.chat_id = t.chat_id AND m.user_id = t.user_id AND t.new_level > m.level
            RETURNING m.chat_id, m.user_id, m.display_name, m.started_bot, m.unreachable,
                      t.old_level, t.old_name, t.new_level, t.new_name, t.benefits
          ), events AS (
            -- One event row per group and batch listing its members as [user, old level, new level]:
            -- a million level-ups cost a few thousand rows, not a million.
            INSERT INTO events (kind, chat_id, job, slot, payload, dedupe_key)
            SELECT 'level_up', c.chat_id, 'level-ups', ${slot},
                   jsonb_build_object('members', to_jsonb(array_agg(ARRAY[c.user_id, c.old_level, c.new_level]))),
                   'level_up:' || c.chat_id || ':' || ${slot.toISOString()} || ':' || min(c.user_id)
            FROM changed c
            GROUP BY c.chat_id
            ON CONFLICT (dedupe_key) DO NOTHING
          ), messages AS (
            INSERT INTO outbox (chat_id, text, dedupe_key)
            SELECT c.user_id,
                   format(E'🎉 You levelled up in %s!\\nPrevious level: %s — %s\\nNew level: %s — %s%s',
                          coalesce(nullif(ch.title, ''), 'your group'), c.old_level, coalesce(c.old_name, '?'),
                          c.new_level, c.new_name,
                          coalesce(E'\\nBenefits: ' || c.benefits, '')),
                   'level-up-dm:' || c.chat_id || ':' || c.user_id || ':' || c.new_level
            FROM changed c JOIN chats ch ON ch.chat_id = c.chat_id
            WHERE ${options.notify} AND c.started_bot AND NOT c.unreachable
            ON CONFLICT (dedupe_key) DO NOTHING
          )`, {
        afterBatch: options.afterBatch,
        workMem: "64MB",
        concurrency: options.concurrency,
      });

      const digests = options.notify
        ? await ctx.db`
          WITH ups AS (
            SELECT e.chat_id, (m->>0)::bigint AS user_id, (m->>2)::int AS level
            FROM events e CROSS JOIN LATERAL jsonb_array_elements(e.payload->'members') m
            WHERE e.job = 'level-ups' AND e.slot = ${slot} AND e.kind = 'level_up'
          ), ranked AS (
            SELECT u.*, row_number() OVER (PARTITION BY u.chat_id ORDER BY u.level DESC, u.user_id) AS rank
            FROM ups u
          ), shown AS (
            SELECT r.chat_id, r.rank, r.level, l.name AS level_name, m.display_name AS name
            FROM ranked r
            JOIN members m ON m.chat_id = r.chat_id AND m.user_id = r.user_id
            JOIN levels l ON l.number = r.level
            WHERE r.rank <= 20
          ), totals AS (
            SELECT chat_id, count(*) AS n FROM ups GROUP BY chat_id
          )
          INSERT INTO outbox (chat_id, text, dedupe_key)
          SELECT s.chat_id,
                 '🏆 Level-ups in ' || coalesce(nullif(ch.title, ''), 'this group') || E':\n' ||
                 string_agg(format('• %s → level %s (%s)', s.name, s.level, s.level_name), E'\n' ORDER BY s.rank) ||
                 CASE WHEN t.n > 20 THEN format(E'\n…and %s more', t.n - 20) ELSE '' END,
                 'level-digest:' || s.chat_id || ':' || ${slot.toISOString()}
          FROM shown s JOIN chats ch ON ch.chat_id = s.chat_id JOIN totals t ON t.chat_id = s.chat_id
          WHERE ch.kind <> 'private'
          GROUP BY s.chat_id, ch.title, t.n
          ON CONFLICT (dedupe_key) DO NOTHING
          RETURNING chat_id`
        : [];
      return {
        processed: walked.processed,
        changed: walked.changed,
        details: { batches: walked.batches, digests: digests.length },
      };
    },
  });
}

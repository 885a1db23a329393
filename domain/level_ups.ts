import { defineJob, type JobSpec } from "../actors/job.ts";
import type { ScheduleInput } from "../actors/schedule.ts";
import { walkMembers } from "./batches.ts";
import { LANGUAGES } from "./i18n.ts";
import { DIGEST_NAMES, sqlChatTitle, sqlLanguage, sqlMessage, sqlName } from "./job_texts.ts";
import { sqlLevelText } from "./progress_names.ts";

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
 * group listing its members, and a private message to those who started the bot, in their
 * language (the chat's setting, else their Telegram one, else English). After the batches,
 * one digest per group, built from this run's events (so a retry of the slot still sends one):
 * the first `DIGEST_NAMES` by level (highest first) then name, then the rest counted; in the
 * chat's language, else the one most of this run's levelled-up members speak (English on a
 * tie). A chat's `level_up_announcements` decides: 'group' both, 'private' the private
 * messages only, 'off' neither (the levels and events are written whatever it says).
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
      const { dmText, digestText } = texts();
      const walked = await walkMembers(ctx, (tx, after) =>
        tx`
          batch AS (
            SELECT chat_id, user_id, level AS old_level, xp FROM members
            WHERE xp >= next_level_xp AND ${after}
            ORDER BY chat_id, user_id
            LIMIT ${options.batchSize}
          ), target AS (
            SELECT b.chat_id, b.user_id, b.old_level, l.number AS new_level, l.name AS new_name,
                   ${tx.unsafe(crossedBenefits)}, o.name AS old_name, nx.min_xp AS next_xp
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
            RETURNING m.chat_id, m.user_id, m.started_bot, m.unreachable, m.language_code,
                      t.old_level, t.old_name, t.new_level, t.new_name,
                      ${tx.unsafe(LANGUAGES.map((l) => `t.benefits_${l}`).join(", "))}
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
            SELECT d.user_id, ${tx.unsafe(dmText)},
                   'level-up-dm:' || d.chat_id || ':' || d.user_id || ':' || d.new_level
            FROM (
              SELECT c.*, ch.title, ${
          tx.unsafe(sqlLanguage("ch.language", "c.language_code"))
        } AS lang
              FROM changed c JOIN chats ch ON ch.chat_id = c.chat_id
              WHERE ${options.notify} AND c.started_bot AND NOT c.unreachable
                AND ch.level_up_announcements IN ('group', 'private')
            ) d
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
          ), named AS (
            SELECT u.*, m.display_name AS name, ch.title, ch.language AS chat_language,
                   ${ctx.db.unsafe(sqlLanguage("NULL", "m.language_code"))} AS lang
            FROM ups u
            JOIN members m ON m.chat_id = u.chat_id AND m.user_id = u.user_id
            JOIN chats ch ON ch.chat_id = u.chat_id
            WHERE ch.kind <> 'private' AND ch.level_up_announcements = 'group'
          ), langs AS (
            -- The chat's setting, else the language most of this run's levelled-up members
            -- speak (English on a tie): read from rows the digest joins anyway.
            SELECT DISTINCT ON (chat_id) chat_id, lang FROM named
            GROUP BY chat_id, lang ORDER BY chat_id, count(*) DESC, lang = 'en' DESC, lang
          ), ranked AS (
            SELECT n.*, row_number() OVER (PARTITION BY n.chat_id ORDER BY n.level DESC, n.name, n.user_id) AS rank,
                   count(*) OVER (PARTITION BY n.chat_id) AS total
            FROM named n
          ), d AS (
            SELECT r.chat_id, r.rank, r.total, r.name, r.level, l.name AS level_name, r.title,
                   coalesce(r.chat_language, g.lang) AS lang
            FROM ranked r
            JOIN levels l ON l.number = r.level
            JOIN langs g ON g.chat_id = r.chat_id
            WHERE r.rank <= ${DIGEST_NAMES}
          )
          INSERT INTO outbox (chat_id, text, dedupe_key)
          SELECT d.chat_id, ${ctx.db.unsafe(digestText)},
                 'level-digest:' || d.chat_id || ':' || ${slot.toISOString()}
          FROM d
          GROUP BY d.chat_id, d.lang, d.title, d.total
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

/**
 * What every level crossed brings (`benefits_<lang>`, in level order, comma-separated), for a
 * jump of several levels at once as for one; over `b` (old level) and `l` (new level).
 */
const crossedBenefits = LANGUAGES.map((lang) =>
  `(
  SELECT string_agg(${
    sqlLevelText("x.number", "x.benefits", "benefits").text(lang)
  }, ', ' ORDER BY x.number)
  FROM levels x WHERE x.number > b.old_level AND x.number <= l.number AND x.benefits <> ''
) AS benefits_${lang}`
).join(", ");

/** The private message and the group digest as SQL over the rows `d` of the statements above. */
function texts(): { dmText: string; digestText: string } {
  const chat = sqlChatTitle("d.title");
  const dmText = sqlMessage("level-up-dm", "d.lang", {
    level: { number: "d.new_level" },
    levelName: sqlLevelText("d.new_level", "d.new_name", "name"),
    chat,
    oldLevel: { number: "d.old_level" },
    oldName: sqlLevelText("d.old_level", "coalesce(d.old_name, '?')", "name"),
  }) +
    ` || coalesce(E'\\n' || ${
      sqlMessage("level-up-benefits", "d.lang", {
        benefits: { text: (lang) => `nullif(d.benefits_${lang}, '')` },
      })
    }, '')`;
  const title = sqlMessage("level-up-digest-title", "d.lang", {
    chat: sqlChatTitle("d.title", "jobs-this-group"),
  });
  const line = sqlMessage("level-up-digest-line", "d.lang", {
    name: sqlName("d.name"),
    level: { number: "d.level" },
    levelName: sqlLevelText("d.level", "d.level_name", "name"),
  });
  const more = sqlMessage("level-up-digest-more", "d.lang", {
    n: { number: `d.total - ${DIGEST_NAMES}` },
  });
  const digestText = `${title} || E'\\n' || string_agg(${line}, E'\\n' ORDER BY d.rank)
    || CASE WHEN d.total > ${DIGEST_NAMES} THEN E'\\n' || ${more} ELSE '' END`;
  return { dmText, digestText };
}

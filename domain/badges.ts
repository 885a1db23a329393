import type postgres from "postgres";
import { type Badge, BADGES } from "./badge_list.ts";
import { defineJob, type JobSpec } from "../actors/job.ts";
import { metricValue, statsFrom } from "./badge_metrics.ts";
import { eachChatRange } from "./batches.ts";
import { sqlLanguage, sqlMessage, sqlName } from "./job_texts.ts";
import { badgeProgressText, sqlBadgeName } from "./progress_names.ts";

export { type Badge, BADGES } from "./badge_list.ts";
export { caseActivity, type Metric, METRICS, metricValue, statsFrom } from "./badge_metrics.ts";

/** Writes the badge definitions (upsert; badges no longer defined stay, so earned ones keep their meaning). */
export async function syncBadges(sql: postgres.Sql, badges: Badge[] = BADGES) {
  await sql`
    INSERT INTO badges (id, name, emoji, description, metric, threshold, bonus_xp, unit, category)
    SELECT b.id, b.name, b.emoji, b.description, b.metric, b.threshold, b."bonusXp", b.unit, b.category
    FROM json_to_recordset(${JSON.stringify(badges)}::text::json) AS b(
      id text, name text, emoji text, description text, metric text, threshold int, "bonusXp" int, unit text, category text)
    ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, emoji = EXCLUDED.emoji, description = EXCLUDED.description,
      metric = EXCLUDED.metric, threshold = EXCLUDED.threshold, bonus_xp = EXCLUDED.bonus_xp, unit = EXCLUDED.unit,
      category = EXCLUDED.category`;
}

/**
 * `badge-check`: every badge whose metric reached its threshold is awarded, once (the unique
 * key), with its bonus XP in the ledger and on the balance, and one digest per group — all
 * in one statement per range of chats, so nothing is half done within a group. With
 * `concurrency` above 1, that many ranges are checked at once (`eachChatRange`).
 * `earlyAdopterUntil` (EARLY_ADOPTER_UNTIL): members who joined a chat before it earn Early
 * Adopter there; unset, nobody does.
 */
export function badgeCheckJob(
  options: { concurrency?: number; earlyAdopterUntil?: Date | null } = {},
): JobSpec {
  const stats = { earlyAdopterUntil: options.earlyAdopterUntil ?? null };
  return defineJob({
    name: "badge-check",
    description: "Awards badges whose criteria members met, with bonus XP; one digest per group",
    schedule: "0 * * * *",
    timeout: "20m",
    async run(ctx) {
      const slot = ctx.scheduledFor;
      const digestText = badgeDigestText();
      const total = { awarded: 0, bonus: 0, digests: 0 };
      await eachChatRange(ctx, options.concurrency ?? 1, async (range) => {
        const [r] = await ctx.db.begin(async (tx) => {
          await tx`SET LOCAL work_mem = '64MB'`;
          return await tx<{ awarded: number; bonus: number; digests: number }[]>`
            WITH st AS (${statsFrom(tx, range, stats)}),
            due AS (
              SELECT st.chat_id, st.user_id, b.id AS badge_id, b.bonus_xp
              FROM st CROSS JOIN badges b
              WHERE ${metricValue(tx)} >= b.threshold
                AND NOT EXISTS (
                  SELECT 1 FROM member_badges mb
                  WHERE mb.chat_id = st.chat_id AND mb.user_id = st.user_id AND mb.badge_id = b.id)
            ), earned AS (
              INSERT INTO member_badges (chat_id, user_id, badge_id, awarded_at)
              SELECT chat_id, user_id, badge_id, ${slot} FROM due
              ON CONFLICT DO NOTHING
              RETURNING chat_id, user_id, badge_id
            ), bonus AS (
              INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
              SELECT e.chat_id, e.user_id, b.bonus_xp, 'badge', e.badge_id, ${slot}
              FROM earned e JOIN badges b ON b.id = e.badge_id
              WHERE b.bonus_xp > 0
              ON CONFLICT (chat_id, user_id, reason, source) DO NOTHING
              RETURNING chat_id, user_id, amount
            ), credited AS (
              UPDATE members m SET xp = m.xp + t.amount, updated_at = now()
              FROM (SELECT chat_id, user_id, sum(amount) AS amount FROM bonus GROUP BY chat_id, user_id) t
              WHERE m.chat_id = t.chat_id AND m.user_id = t.user_id
              RETURNING 1
            ), shown AS (
              -- The first 30 awards per group, in badge then member order: only these are named,
              -- so only these are joined to their names.
              SELECT * FROM (
                SELECT chat_id, user_id, badge_id,
                       row_number() OVER (PARTITION BY chat_id ORDER BY badge_id, user_id) AS n
                FROM earned) e
              WHERE e.n <= 30
            ), totals AS (
              SELECT chat_id, count(*) AS n FROM earned GROUP BY chat_id
            ), langs AS (
              -- The chat's setting, else the language most of the members named speak (each
              -- once, however many badges; English on a tie), as the level-up digest does.
              SELECT DISTINCT ON (chat_id) chat_id, lang FROM (
                SELECT s.chat_id, s.user_id,
                       ${tx.unsafe(sqlLanguage("c.language", "m.language_code"))} AS lang
                FROM shown s
                JOIN members m ON m.chat_id = s.chat_id AND m.user_id = s.user_id
                JOIN chats c ON c.chat_id = s.chat_id) named
              GROUP BY chat_id, lang
              ORDER BY chat_id, count(DISTINCT user_id) DESC, lang = 'en' DESC, lang
            ), digests AS (
              INSERT INTO outbox (chat_id, text, dedupe_key)
              SELECT s.chat_id, ${tx.unsafe(digestText)},
                     'badge-digest:' || s.chat_id || ':' || ${slot.toISOString()}
              FROM shown s
              JOIN totals t ON t.chat_id = s.chat_id
              JOIN langs g ON g.chat_id = s.chat_id
              JOIN badges b ON b.id = s.badge_id
              JOIN members m ON m.chat_id = s.chat_id AND m.user_id = s.user_id
              JOIN chats c ON c.chat_id = s.chat_id AND c.kind <> 'private'
              GROUP BY s.chat_id, t.n, g.lang
              ON CONFLICT (dedupe_key) DO NOTHING
              RETURNING 1
            )
            SELECT (SELECT count(*)::int FROM earned) AS awarded, (SELECT count(*)::int FROM bonus) AS bonus,
                   (SELECT count(*)::int FROM digests) AS digests`;
        });
        total.awarded += r.awarded;
        total.bonus += r.bonus;
        total.digests += r.digests;
      });
      return {
        processed: total.awarded,
        changed: total.awarded,
        details: { bonus: total.bonus, digests: total.digests },
      };
    },
  });
}

/** The group digest as SQL over the rows `s`, `t`, `g`, `b`, `m` of the statement above. */
function badgeDigestText(): string {
  const line = sqlMessage("badge-digest-line", "g.lang", {
    emoji: { text: "b.emoji" },
    badge: sqlBadgeName("b.id", "b.name", BADGES.map((b) => b.id)),
    name: sqlName("m.display_name"),
  });
  const more = sqlMessage("badge-digest-more", "g.lang", { n: { number: "t.n - 30" } });
  return `${sqlMessage("badge-digest-title", "g.lang", {})} || E'\\n' ||
    string_agg(${line}, E'\\n' ORDER BY b.id, m.display_name) ||
    CASE WHEN t.n > 30 THEN E'\\n' || ${more} ELSE '' END`;
}

export interface EarnedBadge {
  id: string;
  name: string;
  emoji: string;
  description: string;
  bonusXp: number;
  earnedAt: string;
}

/** A member's badges, oldest first. */
export async function memberBadges(
  sql: postgres.Sql,
  chatId: number,
  userId: number,
): Promise<EarnedBadge[]> {
  const rows = await sql<
    {
      id: string;
      name: string;
      emoji: string;
      description: string;
      bonus_xp: number;
      awarded_at: Date;
    }[]
  >`
    SELECT b.id, b.name, b.emoji, b.description, b.bonus_xp, mb.awarded_at
    FROM member_badges mb JOIN badges b ON b.id = mb.badge_id
    WHERE mb.chat_id = ${chatId} AND mb.user_id = ${userId}
    ORDER BY mb.awarded_at, b.id`;
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    emoji: r.emoji,
    description: r.description,
    bonusXp: r.bonus_xp,
    earnedAt: r.awarded_at.toISOString(),
  }));
}

/**
 * Progress towards every badge, like "42/100 messages" or "2/5 wins"; null when the member is
 * unknown. An earned badge reads complete ("1/1 early join") whatever its metric says now.
 */
export async function badgeProgress(
  sql: postgres.Sql,
  chatId: number,
  userId: number,
  options: { earlyAdopterUntil?: Date | null } = {},
) {
  const rows = await sql<
    {
      id: string;
      name: string;
      emoji: string;
      value: number | null;
      threshold: number;
      unit: string;
      earned: boolean;
    }[]
  >`
    WITH st AS (${statsFrom(sql, { chatId, userId }, options)})
    SELECT b.id, b.name, b.emoji, ${metricValue(sql)}::int AS value, b.threshold, b.unit,
           EXISTS (SELECT 1 FROM member_badges mb WHERE mb.chat_id = st.chat_id AND mb.user_id = st.user_id AND mb.badge_id = b.id)
             AS earned
    FROM st CROSS JOIN badges b
    WHERE st.chat_id = ${chatId} AND st.user_id = ${userId}
    ORDER BY b.category, b.threshold, b.id`;
  if (rows.length === 0) return null;
  return {
    earned: rows.filter((r) => r.earned).length,
    total: rows.length,
    badges: rows.map((r) => {
      const count = r.earned ? r.threshold : Math.min(r.value ?? 0, r.threshold);
      return {
        id: r.id,
        name: r.name,
        emoji: r.emoji,
        earned: r.earned,
        count,
        threshold: r.threshold,
        unit: r.unit,
        progress: badgeProgressText(count, r.threshold, r.unit),
      };
    }),
  };
}

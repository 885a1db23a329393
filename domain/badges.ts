import { CASE_BADGES } from "./case_badges.ts";
import type postgres from "postgres";
import { defineJob, type JobSpec } from "../actors/job.ts";
import { type Metric, metricValue, statsFrom } from "./badge_metrics.ts";
import { eachChatRange } from "./batches.ts";

export { caseActivity, type Metric, METRICS, metricValue, statsFrom } from "./badge_metrics.ts";

export interface Badge {
  id: string;
  name: string;
  emoji: string;
  description: string;
  metric: Metric;
  threshold: number;
  bonusXp: number;
  /** How progress reads: "42/100 messages". */
  unit: string;
  category: string;
}

/**
 * The achievements of seed 003, plus streak and activity badges, then seed 001's nine case
 * badges (`case_badges.ts`).
 */
export const BADGES: Badge[] = [
  {
    id: "chatterbox",
    name: "Chatterbox",
    emoji: "📬",
    description: "Sent 100 messages",
    metric: "messages",
    threshold: 100,
    bonusXp: 20,
    unit: "messages",
    category: "activity",
  },
  {
    id: "linker",
    name: "Linker",
    emoji: "🌐",
    description: "Shared 10 links",
    metric: "links_shared",
    threshold: 10,
    bonusXp: 20,
    unit: "links",
    category: "sharing",
  },
  {
    id: "helpful",
    name: "Helpful",
    emoji: "🤝",
    description: "Was thanked 5 times",
    metric: "thanks_received",
    threshold: 5,
    bonusXp: 25,
    unit: "thanks",
    category: "social",
  },
  {
    id: "level_up",
    name: "Level Up!",
    emoji: "🆙",
    description: "Reached level 5",
    metric: "level",
    threshold: 5,
    bonusXp: 50,
    unit: "levels",
    category: "progression",
  },
  {
    id: "on_fire",
    name: "On Fire",
    emoji: "🔥",
    description: "Kept a 7-day streak",
    metric: "best_streak",
    threshold: 7,
    bonusXp: 30,
    unit: "days in a row",
    category: "streak",
  },
  {
    id: "unstoppable",
    name: "Unstoppable",
    emoji: "⚡",
    description: "Kept a 30-day streak",
    metric: "best_streak",
    threshold: 30,
    bonusXp: 100,
    unit: "days in a row",
    category: "streak",
  },
  {
    id: "regular",
    name: "Regular",
    emoji: "📅",
    description: "Active on 14 different days",
    metric: "days_active",
    threshold: 14,
    bonusXp: 40,
    unit: "days active",
    category: "activity",
  },
  ...CASE_BADGES,
];

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
            ), digests AS (
              INSERT INTO outbox (chat_id, text, dedupe_key)
              SELECT s.chat_id,
                     '🎖 New badges:' || E'\\n' ||
                     string_agg(format('%s %s — %s', b.emoji, b.name, m.display_name), E'\\n' ORDER BY b.id, m.display_name) ||
                     CASE WHEN t.n > 30 THEN format(E'\\n…and %s more', t.n - 30) ELSE '' END,
                     'badge-digest:' || s.chat_id || ':' || ${slot.toISOString()}
              FROM shown s
              JOIN totals t ON t.chat_id = s.chat_id
              JOIN badges b ON b.id = s.badge_id
              JOIN members m ON m.chat_id = s.chat_id AND m.user_id = s.user_id
              JOIN chats c ON c.chat_id = s.chat_id AND c.kind <> 'private'
              GROUP BY s.chat_id, t.n
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
    badges: rows.map((r) => ({
      id: r.id,
      name: r.name,
      emoji: r.emoji,
      earned: r.earned,
      progress: `${
        r.earned ? r.threshold : Math.min(r.value ?? 0, r.threshold)
      }/${r.threshold} ${r.unit}`,
    })),
  };
}

import type postgres from "postgres";

export interface SeedOptions {
  members: number;
  chats: number;
  /** The community's "now": activity, lives and sessions are spread before it. */
  now: Date;
}

/** Ids of seeded chats and members (stable, so seeding twice adds nothing). */
export const SEED_CHAT_BASE = -1_000_000_000;
export const SEED_USER_BASE = 1_000_000_000;

/**
 * A demo community, set-based (one statement per table, fine at a million members): XP with
 * a long tail, levels mostly up to date (one member in ten is owed a level-up), a seed grant
 * in the ledger per member, streaks with protections, lives, and some open quiz sessions.
 */
export async function seedCommunity(
  sql: postgres.Sql,
  o: SeedOptions,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  await sql.begin(async (tx) => {
    counts.chats = (await tx`
      INSERT INTO chats (chat_id, title, kind)
      SELECT ${SEED_CHAT_BASE} - g, 'Community ' || g, 'supergroup' FROM generate_series(1, ${o.chats}) g
      ON CONFLICT (chat_id) DO NOTHING`).count;
    // Only members this call creates get the rest (ledger, streak, lives, session): once jobs
    // or the bot have moved things on, seeding again adds nothing and balances stay the ledger's.
    await tx`CREATE TEMP TABLE seeded (chat_id bigint, user_id bigint, xp bigint,
                                      last_activity_at timestamptz) ON COMMIT DROP`;
    counts.members = (await tx`
      WITH inserted AS (
      INSERT INTO members (chat_id, user_id, display_name, username, started_bot, xp, level, next_level_xp,
                           messages_count, links_shared, thanks_received, days_active, last_activity_at)
      SELECT ${SEED_CHAT_BASE} - (1 + g % ${o.chats}), ${SEED_USER_BASE} + g, 'Member ' || g, 'member' || g,
             g % 3 = 0, x.xp, coalesce(l.number, 1), nx.min_xp,
             (x.xp * 0.6)::int, (x.xp * 0.05)::int, (x.xp * 0.02)::int, least(120, (x.xp / 50)::int),
             ${o.now}::timestamptz - (g % 240) * interval '1 hour'
      FROM generate_series(1, ${o.members}) g
      CROSS JOIN LATERAL (SELECT floor(power((g::bigint * 7919 % 10007) / 10007.0, 3) * 40000)::bigint AS xp) x
      LEFT JOIN LATERAL (
        SELECT number FROM levels WHERE min_xp <= x.xp AND (g / ${o.chats}) % 10 <> 0 ORDER BY min_xp DESC LIMIT 1
      ) l ON true
      LEFT JOIN levels nx ON nx.number = coalesce(l.number, 1) + 1
      ON CONFLICT (chat_id, user_id) DO NOTHING
      RETURNING chat_id, user_id, xp, last_activity_at)
      INSERT INTO seeded SELECT chat_id, user_id, xp, last_activity_at FROM inserted`).count;
    counts.ledger = (await tx`
      INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
      SELECT chat_id, user_id, xp, 'seed', 'seed', ${o.now}::timestamptz - interval '30 days'
      FROM seeded WHERE xp > 0
      ON CONFLICT (chat_id, user_id, reason, source) DO NOTHING`).count;
    counts.streaks = (await tx`
      INSERT INTO streaks (chat_id, user_id, current, best, last_activity_at, protections)
      SELECT chat_id, user_id, 1 + user_id % 30, 1 + user_id % 45, last_activity_at, (user_id % 3)::int
      FROM seeded WHERE user_id % 2 = 0
      ON CONFLICT DO NOTHING`).count;
    counts.lives = (await tx`
      INSERT INTO lives (chat_id, user_id, current, max, last_refill_at)
      SELECT chat_id, user_id, (user_id % 6)::int, 5, ${o.now}::timestamptz - (user_id % 180) * interval '1 minute'
      FROM seeded WHERE user_id % 10 < 3
      ON CONFLICT DO NOTHING`).count;
    counts.sessions = (await tx`
      INSERT INTO quiz_sessions (chat_id, user_id, status, started_at, expires_at)
      SELECT chat_id, user_id, 'active', s, s + interval '10 minutes'
      FROM seeded, LATERAL (SELECT ${o.now}::timestamptz - (user_id % 40) * interval '1 minute' AS s) t
      WHERE user_id % 100 = 0
        AND NOT EXISTS (SELECT 1 FROM quiz_sessions q WHERE q.chat_id = seeded.chat_id AND q.user_id = seeded.user_id)`)
      .count;
  });
  return counts;
}

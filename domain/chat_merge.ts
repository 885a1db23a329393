import type postgres from "postgres";

/** What one merge moved; all zero when there was nothing left to move (it ran before). */
export interface MergeOutcome {
  merged: boolean;
  members: number;
  ledger: number;
  outbox: number;
  /** Archived board periods both chats hold: left under the old id rather than lost. */
  archiveKept: number;
}

const NOTHING: MergeOutcome = { merged: false, members: 0, ledger: 0, outbox: 0, archiveKept: 0 };

/**
 * A group that became a supergroup (`migrate_to_chat_id`): everything kept under the old chat
 * id moves to the new one, in one transaction, merging with what the new chat already holds.
 *
 * - members: XP, messages, links and thanks add up; the higher level stays (level-ups takes it
 *   further when the sum allows); the earliest join and latest activity stay;
 * - streaks, lives, badges, thanks cooldowns: the better of the two for the member;
 * - the ledger moves whole, so a balance stays the sum of its ledger; a message's row
 *   (`msg:<id>`, `album:<id>`) gets `@<old id>` appended (message ids restart in a supergroup),
 *   as does any other row whose source the new chat already used;
 * - the move is remembered (`chat_moves`): a message of the old group that arrives later, late or
 *   delivered again, is paid in the new chat under that same `…@<old id>` source (award.ts);
 * - chat settings the new chat has not set itself (cases on, XP multiplier, no-XP topics,
 *   announcements, language, zone, report chat) follow from the old one;
 * - events, quiz sessions, the admin log, the dilemma cases' votes, arguments, rewards and
 *   proposals, and every outbox row move (a message keeping the old chat's quiet hours keeps the
 *   new one's), and so do the chats that report to the old one (even
 *   when the old id has no chat row: a report chat the bot never read); leaderboard entries move unless the new
 *   chat has its own for that period (they are recomputed); archived periods both chats hold
 *   stay under the old id.
 *
 * Idempotent: once the old chat is gone there is nothing to do. Both service messages of a
 * migration (`migrate_to_chat_id` in the old chat, `migrate_from_chat_id` in the new) and the
 * delivery's 400 all call it; concurrent calls queue on the new chat's row.
 */
export async function mergeChat(
  tx: postgres.TransactionSql,
  from: number,
  to: number,
): Promise<MergeOutcome> {
  if (from === to) return NOTHING;
  // The new chat's row first (made if missing), then the old one's: always in this order.
  // Settings the new chat has not set itself follow from the old one.
  await tx`
    INSERT INTO chats (chat_id, title, kind, language, time_zone, quiet_start, quiet_end,
      report_chat_id, cases_enabled, xp_multiplier, no_xp_topics, level_up_announcements)
    SELECT ${to}, title, 'supergroup', language, time_zone, quiet_start, quiet_end, report_chat_id,
      cases_enabled, xp_multiplier, no_xp_topics, level_up_announcements
    FROM chats WHERE chat_id = ${from}
    ON CONFLICT (chat_id) DO UPDATE SET kind = 'supergroup',
      title = CASE WHEN chats.title = '' THEN EXCLUDED.title ELSE chats.title END,
      language = coalesce(chats.language, EXCLUDED.language),
      time_zone = coalesce(chats.time_zone, EXCLUDED.time_zone),
      report_chat_id = coalesce(chats.report_chat_id, EXCLUDED.report_chat_id),
      cases_enabled = chats.cases_enabled OR EXCLUDED.cases_enabled,
      xp_multiplier = CASE WHEN chats.xp_multiplier = 1 THEN EXCLUDED.xp_multiplier
                           ELSE chats.xp_multiplier END,
      no_xp_topics = CASE WHEN chats.no_xp_topics = '{}' THEN EXCLUDED.no_xp_topics
                          ELSE chats.no_xp_topics END,
      level_up_announcements = CASE WHEN chats.level_up_announcements = 'group'
        THEN EXCLUDED.level_up_announcements ELSE chats.level_up_announcements END`;
  // What is addressed to the old id moves even when the bot never saw a message there (a report
  // chat has no row of its own): the chats that report to it, and its outbox rows.
  await tx`UPDATE chats SET report_chat_id = ${to} WHERE report_chat_id = ${from}`;
  const outbox = await tx`UPDATE outbox SET chat_id = ${to} WHERE chat_id = ${from}`;
  // and the messages that keep its quiet hours (a member's streak reminder) keep the new one's
  await tx`
    UPDATE outbox SET quiet_chat_id = ${to}
    WHERE quiet_chat_id = ${from} AND state IN ('pending', 'sending')`;
  // Remembered, even for a group the bot never read: a message of the old group arriving after
  // this is paid here (see award.ts).
  await tx`
    INSERT INTO chat_moves (from_chat, to_chat) VALUES (${from}, ${to})
    ON CONFLICT (from_chat) DO NOTHING`;
  const [old] = await tx`SELECT 1 FROM chats WHERE chat_id = ${from} FOR UPDATE`;
  if (!old) return { ...NOTHING, outbox: outbox.count };
  // Merging: two streaks combined, none continued; a @username the new chat's member holds stays
  // theirs (db/migrations/0040).
  await tx`SELECT set_config('warden.merging', 'on', true)`;

  const members = await tx`
    INSERT INTO members (chat_id, user_id, display_name, username, is_bot, started_bot, unreachable,
      xp, level, next_level_xp, messages_count, links_shared, thanks_received, last_activity_at,
      created_at, updated_at)
    SELECT ${to}, user_id, display_name, username, is_bot, started_bot, unreachable, xp, level,
      next_level_xp, messages_count, links_shared, thanks_received, last_activity_at, created_at, now()
    FROM members WHERE chat_id = ${from}
    ON CONFLICT (chat_id, user_id) DO UPDATE SET
      xp = members.xp + EXCLUDED.xp,
      level = GREATEST(members.level, EXCLUDED.level),
      next_level_xp = CASE WHEN EXCLUDED.level > members.level THEN EXCLUDED.next_level_xp
                           ELSE members.next_level_xp END,
      messages_count = members.messages_count + EXCLUDED.messages_count,
      links_shared = members.links_shared + EXCLUDED.links_shared,
      thanks_received = members.thanks_received + EXCLUDED.thanks_received,
      started_bot = members.started_bot OR EXCLUDED.started_bot,
      unreachable = members.unreachable OR EXCLUDED.unreachable,
      last_activity_at = GREATEST(members.last_activity_at, EXCLUDED.last_activity_at),
      created_at = LEAST(members.created_at, EXCLUDED.created_at),
      updated_at = now()`;
  await tx`
    INSERT INTO streaks (chat_id, user_id, current, best, last_activity_at, protections, protected_until)
    SELECT ${to}, user_id, current, best, last_activity_at, protections, protected_until
    FROM streaks WHERE chat_id = ${from}
    ON CONFLICT (chat_id, user_id) DO UPDATE SET
      current = GREATEST(streaks.current, EXCLUDED.current),
      best = GREATEST(streaks.best, EXCLUDED.best),
      last_activity_at = GREATEST(streaks.last_activity_at, EXCLUDED.last_activity_at),
      protections = GREATEST(streaks.protections, EXCLUDED.protections),
      protected_until = GREATEST(streaks.protected_until, EXCLUDED.protected_until)`;
  await tx`SELECT set_config('warden.merging', '', true)`;
  await tx`
    INSERT INTO lives (chat_id, user_id, current, max, last_refill_at)
    SELECT ${to}, user_id, current, max, last_refill_at FROM lives WHERE chat_id = ${from}
    ON CONFLICT (chat_id, user_id) DO UPDATE SET
      current = GREATEST(lives.current, EXCLUDED.current),
      max = GREATEST(lives.max, EXCLUDED.max),
      last_refill_at = GREATEST(lives.last_refill_at, EXCLUDED.last_refill_at)`;
  await tx`
    INSERT INTO member_badges (chat_id, user_id, badge_id, awarded_at)
    SELECT ${to}, user_id, badge_id, awarded_at FROM member_badges WHERE chat_id = ${from}
    ON CONFLICT (chat_id, user_id, badge_id) DO UPDATE SET
      awarded_at = LEAST(member_badges.awarded_at, EXCLUDED.awarded_at)`;
  await tx`
    INSERT INTO thanks_cooldowns (chat_id, from_user, to_user, last_at)
    SELECT ${to}, from_user, to_user, last_at FROM thanks_cooldowns WHERE chat_id = ${from}
    ON CONFLICT (chat_id, from_user, to_user) DO UPDATE SET
      last_at = GREATEST(thanks_cooldowns.last_at, EXCLUDED.last_at)`;
  await tx`UPDATE quiz_sessions SET chat_id = ${to} WHERE chat_id = ${from}`;
  for (const table of ["streaks", "lives", "member_badges", "thanks_cooldowns", "members"]) {
    await tx`DELETE FROM ${tx(table)} WHERE chat_id = ${from}`;
  }

  const ledger = await tx`
    UPDATE xp_ledger l SET chat_id = ${to},
      source = CASE WHEN l.source ~ '^(msg|album):[^@]*$' OR EXISTS (
        SELECT 1 FROM xp_ledger t
        WHERE t.chat_id = ${to} AND t.user_id = l.user_id AND t.reason = l.reason AND t.source = l.source
      ) THEN l.source || '@' || ${String(from)} ELSE l.source END
    WHERE l.chat_id = ${from}`;
  await tx`UPDATE events SET chat_id = ${to} WHERE chat_id = ${from}`;
  await tx`UPDATE admin_actions SET chat_id = ${to} WHERE chat_id = ${from}`;
  await tx`DELETE FROM chat_admins WHERE chat_id = ${from}`; // a cache: asked again in the new chat
  // The dilemma cases: votes, rewards and proposals follow their members; an argument whose
  // message id the new chat already used (ids restart) keeps it negated, matching no message.
  await tx`UPDATE case_votes SET chat_id = ${to} WHERE chat_id = ${from}`;
  await tx`
    UPDATE case_arguments a SET chat_id = ${to},
      message_id = CASE WHEN EXISTS (
        SELECT 1 FROM case_arguments t WHERE t.chat_id = ${to} AND t.message_id = a.message_id
      ) THEN -a.message_id ELSE a.message_id END
    WHERE a.chat_id = ${from}`;
  await tx`UPDATE case_rewards SET chat_id = ${to} WHERE chat_id = ${from}`;
  await tx`UPDATE cases SET creator_chat = ${to} WHERE creator_chat = ${from}`;
  // Metric snapshots of the same slot in both (a run between the two halves): the new one's stay.
  await tx`
    UPDATE chat_metrics m SET chat_id = ${to}
    WHERE m.chat_id = ${from} AND NOT EXISTS (
      SELECT 1 FROM chat_metrics t WHERE t.chat_id = ${to} AND t.at = m.at)`;
  await tx`DELETE FROM chat_metrics WHERE chat_id = ${from}`;
  await tx`
    UPDATE leaderboard_entries e SET chat_id = ${to}
    WHERE e.chat_id = ${from} AND NOT EXISTS (
      SELECT 1 FROM leaderboard_entries t
      WHERE t.chat_id = ${to} AND t.period = e.period AND t.period_start = e.period_start)`;
  await tx`DELETE FROM leaderboard_entries WHERE chat_id = ${from}`;
  await tx`
    UPDATE leaderboard_archive a SET chat_id = ${to}
    WHERE a.chat_id = ${from} AND NOT EXISTS (
      SELECT 1 FROM leaderboard_archive t
      WHERE t.chat_id = ${to} AND t.period = a.period AND t.period_start = a.period_start)`;
  const [kept] = await tx<{ n: number }[]>`
    SELECT count(*)::int AS n FROM leaderboard_archive WHERE chat_id = ${from}`;
  await tx`DELETE FROM chats WHERE chat_id = ${from}`;
  return {
    merged: true,
    members: members.count,
    ledger: ledger.count,
    outbox: outbox.count,
    archiveKept: kept.n,
  };
}

/** `mergeChat` in a transaction of its own. */
export function mergeChats(sql: postgres.Sql, from: number, to: number): Promise<MergeOutcome> {
  return sql.begin((tx) => mergeChat(tx, from, to)) as Promise<MergeOutcome>;
}

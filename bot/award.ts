import type postgres from "postgres";
import { awardFor, displayName, type MessageLike, type XpAmounts } from "./xp_rules.ts";

/** A thanker may reward the same member again only after this long. */
export const THANKS_COOLDOWN_MINUTES = 10;

export interface ChatLike {
  id: number;
  type: string;
  title?: string;
}

export interface AwardOutcome {
  /** XP the author got (0 when capped or already paid). */
  author: number;
  /** Whether this message had been paid before (a redelivered update). */
  duplicate: boolean;
  thanked: Array<{ userId: number; amount: number }>;
}

/**
 * Pays one group message, once: XP to the author (capped per rolling minute), to up to three
 * members thanked (same cap, and a cooldown per thanker→thanked pair), counters, streak and
 * last activity. Every award is a ledger row bound to `(chat, message)`, so a redelivered
 * update pays nothing. Times are the message's own date.
 */
export async function awardMessage(
  sql: postgres.Sql,
  chat: ChatLike,
  message: MessageLike,
  amounts: XpAmounts,
): Promise<AwardOutcome> {
  const from = message.from;
  if (!from || from.is_bot) return { author: 0, duplicate: false, thanked: [] };
  const award = awardFor(message, amounts);
  const at = new Date(message.date * 1000);
  const source = `msg:${message.message_id}`;
  const kind = chat.type === "private"
    ? "private"
    : chat.type === "channel"
    ? "channel"
    : chat.type === "group"
    ? "group"
    : "supergroup";
  const ids = award.thanked.flatMap((t) => ("userId" in t ? [t.userId] : []));
  const usernames = award.thanked.flatMap((
    t,
  ) => ("username" in t ? [t.username.toLowerCase()] : []));
  const known = [message.reply_to_message?.from, ...(message.entities ?? []).map((e) => e.user)]
    .filter((u): u is NonNullable<typeof u> => !!u && ids.includes(u.id))
    .map((u) => ({
      user_id: u.id,
      name: displayName(u),
      username: u.username ?? null,
      is_bot: u.is_bot,
    }));

  return await sql.begin(async (tx) => {
    await tx`
      INSERT INTO chats (chat_id, title, kind) VALUES (${chat.id}, ${chat.title ?? ""}, ${kind})
      ON CONFLICT (chat_id) DO UPDATE SET title = EXCLUDED.title WHERE chats.title IS DISTINCT FROM EXCLUDED.title`;
    // The author and anyone thanked by id become members if they were not yet.
    await tx`
      INSERT INTO members (chat_id, user_id, display_name, username, is_bot, next_level_xp, started_bot)
      SELECT ${chat.id}, u.user_id, u.name, u.username, u.is_bot, (SELECT min_xp FROM levels WHERE number = 2),
             EXISTS (SELECT 1 FROM bot_users b WHERE b.user_id = u.user_id)
      FROM json_to_recordset(${
      JSON.stringify([
        {
          user_id: from.id,
          name: displayName(from),
          username: from.username ?? null,
          is_bot: false,
        },
        ...known,
      ])
    }::text::json) AS u(user_id bigint, name text, username text, is_bot boolean)
      ON CONFLICT (chat_id, user_id) DO UPDATE
        SET display_name = EXCLUDED.display_name, username = EXCLUDED.username
        WHERE members.user_id = ${from.id}
          AND (members.display_name, members.username) IS DISTINCT FROM (EXCLUDED.display_name, EXCLUDED.username)`;

    const [author] = await tx<{ amount: number | null }[]>`
      WITH earned AS (
        SELECT coalesce(sum(amount), 0)::int AS xp FROM xp_ledger
        WHERE chat_id = ${chat.id} AND user_id = ${from.id}
          AND created_at > ${at}::timestamptz - interval '1 minute' AND created_at <= ${at}
      ), paid AS (
        INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
        SELECT ${chat.id}, ${from.id}, greatest(0, least(${award.amount}, ${amounts.maxPerMinute} - earned.xp)),
               'message', ${source}, ${at}
        FROM earned
        ON CONFLICT (chat_id, user_id, reason, source) DO NOTHING
        RETURNING amount
      ), member AS (
        UPDATE members SET
          xp = xp + paid.amount,
          messages_count = messages_count + 1,
          links_shared = links_shared + ${award.hasLink ? 1 : 0},
          days_active = days_active + CASE
            WHEN last_activity_at IS NULL
              OR (last_activity_at AT TIME ZONE 'UTC')::date < (${at}::timestamptz AT TIME ZONE 'UTC')::date
            THEN 1 ELSE 0 END,
          last_activity_at = greatest(last_activity_at, ${at}),
          updated_at = now()
        FROM paid WHERE chat_id = ${chat.id} AND user_id = ${from.id}
        RETURNING 1
      ), streak AS (
        INSERT INTO streaks (chat_id, user_id, current, best, last_activity_at)
        SELECT ${chat.id}, ${from.id}, 1, 1, ${at} FROM paid
        ON CONFLICT (chat_id, user_id) DO UPDATE SET
          current = CASE
            WHEN (streaks.last_activity_at AT TIME ZONE 'UTC')::date >= (${at}::timestamptz AT TIME ZONE 'UTC')::date
              THEN greatest(streaks.current, 1)
            WHEN streaks.current > 0 THEN streaks.current + 1
            ELSE 1 END,
          best = greatest(streaks.best, CASE
            WHEN (streaks.last_activity_at AT TIME ZONE 'UTC')::date >= (${at}::timestamptz AT TIME ZONE 'UTC')::date
              THEN greatest(streaks.current, 1)
            WHEN streaks.current > 0 THEN streaks.current + 1
            ELSE 1 END),
          -- every seventh day in a row earns a protection, at most two held
          protections = CASE
            WHEN (streaks.last_activity_at AT TIME ZONE 'UTC')::date < (${at}::timestamptz AT TIME ZONE 'UTC')::date
              AND streaks.current > 0 AND (streaks.current + 1) % 7 = 0
              THEN least(2, streaks.protections + 1)
            ELSE streaks.protections END,
          last_activity_at = greatest(streaks.last_activity_at, ${at})
        RETURNING 1
      )
      SELECT (SELECT amount FROM paid) AS amount`;
    if (author.amount === null) return { author: 0, duplicate: true, thanked: [] };
    if (award.thanked.length === 0) return { author: author.amount, duplicate: false, thanked: [] };

    const thanked = await tx<{ user_id: number; amount: number }[]>`
      WITH recipients AS (
        SELECT DISTINCT m.user_id FROM members m
        WHERE m.chat_id = ${chat.id} AND m.user_id <> ${from.id} AND NOT m.is_bot
          AND (m.user_id = ANY(${ids}::bigint[]) OR lower(m.username) = ANY(${usernames}::text[]))
        LIMIT 3
      ), fresh AS (
        SELECT r.user_id FROM recipients r
        LEFT JOIN thanks_cooldowns c
          ON c.chat_id = ${chat.id} AND c.from_user = ${from.id} AND c.to_user = r.user_id
        WHERE c.last_at IS NULL OR c.last_at <= ${at}::timestamptz - ${THANKS_COOLDOWN_MINUTES} * interval '1 minute'
      ), earned AS (
        SELECT f.user_id, coalesce(sum(l.amount), 0)::int AS xp
        FROM fresh f LEFT JOIN xp_ledger l
          ON l.chat_id = ${chat.id} AND l.user_id = f.user_id
         AND l.created_at > ${at}::timestamptz - interval '1 minute' AND l.created_at <= ${at}
        GROUP BY f.user_id
      ), paid AS (
        INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
        SELECT ${chat.id}, e.user_id, greatest(0, least(${amounts.perThanks}, ${amounts.maxPerMinute} - e.xp)),
               'thanks', ${source}, ${at}
        FROM earned e
        ON CONFLICT (chat_id, user_id, reason, source) DO NOTHING
        RETURNING user_id, amount
      ), credited AS (
        UPDATE members m SET xp = m.xp + p.amount, thanks_received = m.thanks_received + 1, updated_at = now()
        FROM paid p WHERE m.chat_id = ${chat.id} AND m.user_id = p.user_id
        RETURNING 1
      ), cooled AS (
        INSERT INTO thanks_cooldowns (chat_id, from_user, to_user, last_at)
        SELECT ${chat.id}, ${from.id}, p.user_id, ${at} FROM paid p
        ON CONFLICT (chat_id, from_user, to_user) DO UPDATE SET last_at = EXCLUDED.last_at
        RETURNING 1
      )
      SELECT user_id, amount FROM paid ORDER BY user_id`;
    return {
      author: author.amount,
      duplicate: false,
      thanked: thanked.map((t) => ({ userId: t.user_id, amount: t.amount })),
    };
  });
}

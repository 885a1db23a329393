import type postgres from "postgres";
import {
  awardFor,
  CAP_WINDOW_SECONDS,
  CAPPED_REASONS,
  cappedAmount,
  displayName,
  isServiceMessage,
  type MessageLike,
  scaledAmount,
  THANKS_COOLDOWN_MINUTES,
  type XpAmounts,
} from "./xp_rules.ts";

export { THANKS_COOLDOWN_MINUTES };

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
 * The most a member already holds, in chat-earned XP (`CAPPED_REASONS`), in any 60-s window
 * `(t-60s, t]` that contains the instant `at`.
 *
 * The invariant: for every member and every t, the sum of their capped ledger rows dated in
 * `(t-60s, t]` is at most `maxPerMinute` — whatever the order updates arrive in. An award at
 * date d falls in exactly the windows ending at t ∈ [d, d+60s), so paying x keeps the
 * invariant iff x ≤ max - S(t) for all those t. S(t) only rises at a row's date, so its
 * maximum over [d, d+60s) is reached at t = d or at the date of a row in (d, d+60s): those are
 * the windows checked. An update arriving late (older than rows already paid) is thereby
 * capped by the later rows too; the newest-first order cannot pay more than in order.
 *
 * Sound only while no other award to the same member runs: callers hold the member's row
 * lock (`lockMembers`) for the whole transaction.
 */
async function windowPeak(
  tx: postgres.TransactionSql,
  chatId: number,
  userId: number,
  at: Date,
): Promise<number> {
  const reasons = [...CAPPED_REASONS];
  const [row] = await tx<{ peak: number }[]>`
    SELECT coalesce(max((
      SELECT coalesce(sum(l.amount), 0) FROM xp_ledger l
      WHERE l.chat_id = ${chatId} AND l.user_id = ${userId} AND l.reason = ANY(${reasons}::text[])
        AND l.created_at > t.at - ${CAP_WINDOW_SECONDS} * interval '1 second' AND l.created_at <= t.at
    )), 0)::int AS peak
    FROM (
      SELECT ${at}::timestamptz AS at
      UNION
      SELECT created_at FROM xp_ledger
      WHERE chat_id = ${chatId} AND user_id = ${userId} AND reason = ANY(${reasons}::text[])
        AND created_at > ${at}::timestamptz
        AND created_at < ${at}::timestamptz + ${CAP_WINDOW_SECONDS} * interval '1 second'
    ) t`;
  return row.peak;
}

/**
 * The serialisation of awards: every award to a member (as author or as one thanked) runs
 * with that member's row locked `FOR UPDATE` until its transaction ends, so reading the
 * windows and paying are one step. Rows are locked in user-id order so two messages thanking
 * each other's authors cannot deadlock.
 */
async function lockMembers(
  tx: postgres.TransactionSql,
  chatId: number,
  userIds: number[],
): Promise<void> {
  await tx`
    SELECT user_id FROM members WHERE chat_id = ${chatId} AND user_id = ANY(${userIds}::bigint[])
    ORDER BY user_id FOR UPDATE`;
}

/**
 * Pays one group message, once: XP to the author, to up to three members thanked (and a
 * cooldown per thanker→thanked pair), counters, streak and last activity. Every payment,
 * thanks included, is capped so that no member earns more than `maxPerMinute` in any 60-s
 * window of message dates: thanks count in the *receiver's* window (the receiver is the one
 * earning them), and a thanked member at the cap gets 0 (the thanks is still counted and the
 * cooldown still starts). Service messages pay nothing and are not counted. Every award is a
 * ledger row bound to `(chat, message)`, so a redelivered update pays nothing. Times are the
 * message's own date.
 *
 * Per-chat settings: `chats.xp_multiplier` scales every award of the message (author and
 * thanks) before the cap (`scaledAmount`: whole XP, half up); a message whose
 * `message_thread_id` is in `chats.no_xp_topics` pays 0 to everyone. Either way a message that
 * pays 0 still counts as activity: its 0-XP ledger rows are written (so a redelivery is still
 * recognised), counters, days active, last activity and the streak move as for any message,
 * and a thank-you is still counted and starts its cooldown.
 */
export async function awardMessage(
  sql: postgres.Sql,
  chat: ChatLike,
  message: MessageLike,
  amounts: XpAmounts,
): Promise<AwardOutcome> {
  const from = message.from;
  if (!from || from.is_bot || isServiceMessage(message)) {
    return { author: 0, duplicate: false, thanked: [] };
  }
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
    // The chat exists from its first message; its XP settings are read in the same statement
    // (a chat created by a concurrent message, invisible to this statement, has the defaults).
    const thread = message.message_thread_id ?? null;
    const [settings] = await tx<{ hundredths: number; no_xp: boolean }[]>`
      WITH created AS (
        INSERT INTO chats (chat_id, title, kind) VALUES (${chat.id}, ${chat.title ?? ""}, ${kind})
        ON CONFLICT (chat_id) DO NOTHING
        RETURNING xp_multiplier, no_xp_topics
      ), current AS (
        SELECT xp_multiplier, no_xp_topics FROM created
        UNION ALL
        SELECT xp_multiplier, no_xp_topics FROM chats
        WHERE chat_id = ${chat.id} AND NOT EXISTS (SELECT 1 FROM created)
      )
      SELECT (xp_multiplier * 100)::int AS hundredths,
             coalesce(${thread}::bigint = ANY(no_xp_topics), false) AS no_xp
      FROM current`;
    // Multiplier 0 or a no-XP topic: every award of the message is 0, but the message is still
    // counted (counters, days active, streak, thanks received, thanks cooldown).
    const factor = !settings ? 100 : settings.no_xp ? 0 : Number(settings.hundredths);
    const pay = async (base: number, userId: number) => {
      const scaled = scaledAmount(base, factor);
      return scaled === 0
        ? 0
        : cappedAmount(scaled, await windowPeak(tx, chat.id, userId, at), amounts.maxPerMinute);
    };
    // Not an upsert's DO UPDATE, which would lock the chat's row for every message.
    await tx`
      UPDATE chats SET title = ${chat.title ?? ""}
      WHERE chat_id = ${chat.id} AND title IS DISTINCT FROM ${chat.title ?? ""}::text`;
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
      ON CONFLICT (chat_id, user_id) DO NOTHING`;
    // The author's name and language follow Telegram. Deliberately not an upsert's DO UPDATE:
    // that locks the row even when nothing changes, and would hide a missing `lockMembers`.
    const name = displayName(from), username = from.username ?? null;
    const language = from.language_code ?? null;
    await tx`
      UPDATE members SET display_name = ${name}, username = ${username},
        language_code = coalesce(${language}::text, language_code)
      WHERE chat_id = ${chat.id} AND user_id = ${from.id}
        AND (display_name, username, language_code)
          IS DISTINCT FROM (${name}::text, ${username}::text, coalesce(${language}::text, language_code))`;

    const recipients = award.thanked.length === 0 ? [] : (await tx<{ user_id: number }[]>`
      SELECT DISTINCT m.user_id FROM members m
      WHERE m.chat_id = ${chat.id} AND m.user_id <> ${from.id} AND NOT m.is_bot
        AND (m.user_id = ANY(${ids}::bigint[]) OR lower(m.username) = ANY(${usernames}::text[]))
      ORDER BY m.user_id
      LIMIT 3`).map((r) => Number(r.user_id));
    await lockMembers(tx, chat.id, [from.id, ...recipients]);

    const authorAmount = await pay(award.amount, from.id);
    const [paid] = await tx<{ amount: number }[]>`
      INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
      VALUES (${chat.id}, ${from.id}, ${authorAmount}, 'message', ${source}, ${at})
      ON CONFLICT (chat_id, user_id, reason, source) DO NOTHING
      RETURNING amount`;
    if (!paid) return { author: 0, duplicate: true, thanked: [] };
    await tx`
      UPDATE members SET
        xp = xp + ${authorAmount},
        messages_count = messages_count + 1,
        links_shared = links_shared + ${award.hasLink ? 1 : 0},
        days_active = days_active + CASE
          WHEN last_activity_at IS NULL
            OR (last_activity_at AT TIME ZONE 'UTC')::date < (${at}::timestamptz AT TIME ZONE 'UTC')::date
          THEN 1 ELSE 0 END,
        last_activity_at = greatest(last_activity_at, ${at}),
        updated_at = now()
      WHERE chat_id = ${chat.id} AND user_id = ${from.id}`;
    // The streak continues on a new UTC day after an active one, holds within a day.
    await tx`
      INSERT INTO streaks (chat_id, user_id, current, best, last_activity_at)
      VALUES (${chat.id}, ${from.id}, 1, 1, ${at})
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
        last_activity_at = greatest(streaks.last_activity_at, ${at})`;

    const thanked: Array<{ userId: number; amount: number }> = [];
    for (const userId of recipients) {
      const [cooling] = await tx`
        SELECT 1 FROM thanks_cooldowns
        WHERE chat_id = ${chat.id} AND from_user = ${from.id} AND to_user = ${userId}
          AND last_at > ${at}::timestamptz - ${THANKS_COOLDOWN_MINUTES} * interval '1 minute'`;
      if (cooling) continue;
      const amount = await pay(amounts.perThanks, userId);
      const [row] = await tx`
        INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
        VALUES (${chat.id}, ${userId}, ${amount}, 'thanks', ${source}, ${at})
        ON CONFLICT (chat_id, user_id, reason, source) DO NOTHING
        RETURNING 1`;
      if (!row) continue;
      await tx`
        UPDATE members SET xp = xp + ${amount}, thanks_received = thanks_received + 1, updated_at = now()
        WHERE chat_id = ${chat.id} AND user_id = ${userId}`;
      await tx`
        INSERT INTO thanks_cooldowns (chat_id, from_user, to_user, last_at)
        VALUES (${chat.id}, ${from.id}, ${userId}, ${at})
        ON CONFLICT (chat_id, from_user, to_user)
        DO UPDATE SET last_at = greatest(thanks_cooldowns.last_at, EXCLUDED.last_at)`;
      thanked.push({ userId, amount });
    }
    return { author: authorAmount, duplicate: false, thanked };
  });
}

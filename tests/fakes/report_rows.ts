/**
 * The daily report tests' rows, written as the jobs write them: ledger rows, events, badges,
 * streaks and a chat's report settings.
 */
import type postgres from "postgres";

let seq = 0;
/** Ledger rows `[chat, user, at, amount = 1, reason = "message"]`, written set-based. */
export async function ledger(
  sql: postgres.Sql,
  rows: Array<[number, number, string, number?, string?]>,
) {
  const data = rows.map(([chat, user, at, amount = 1, reason = "message"]) => ({
    chat,
    user,
    at,
    amount,
    reason,
    source: `t${++seq}`,
  }));
  await sql`
    INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
    SELECT r.chat, r."user", r.amount, r.reason, r.source, r.at
    FROM json_to_recordset(${JSON.stringify(data)}::text::json)
      AS r(chat bigint, "user" bigint, at timestamptz, amount int, reason text, source text)`;
}

/** An event of `kind` as its job writes it: `level_up` lists `[user, old, new]` members. */
export async function event(
  sql: postgres.Sql,
  kind: "level_up" | "streak_broken",
  chat: number,
  slot: string,
  members: number[][] = [],
) {
  const job = kind === "level_up" ? "level-ups" : "streak-expiry";
  await sql`
    INSERT INTO events (kind, chat_id, user_id, job, slot, payload, dedupe_key)
    VALUES (${kind}, ${chat}, ${
    kind === "level_up" ? null : members[0]?.[0] ?? null
  }, ${job}, ${slot},
            ${JSON.stringify({ members })}::text::jsonb, ${`t${++seq}`})`;
}

export async function badge(sql: postgres.Sql, chat: number, user: number, id: string, at: string) {
  await sql`
    INSERT INTO badges (id, name, emoji, description, metric, threshold, unit, category)
    VALUES (${id}, ${id}, '🏅', 'x', 'messages_count', 1, 'messages', 'activity')
    ON CONFLICT (id) DO NOTHING`;
  await sql`INSERT INTO member_badges (chat_id, user_id, badge_id, awarded_at)
            VALUES (${chat}, ${user}, ${id}, ${at})`;
}

export async function streak(sql: postgres.Sql, chat: number, user: number, current: number) {
  await sql`INSERT INTO streaks (chat_id, user_id, current, best, last_activity_at)
            VALUES (${chat}, ${user}, ${current}, ${current}, '2026-11-29T12:00:00Z')`;
}

export async function settings(
  sql: postgres.Sql,
  chat: number,
  language: string | null,
  to: number,
) {
  await sql`UPDATE chats SET language = ${language}, report_chat_id = ${to} WHERE chat_id = ${chat}`;
}

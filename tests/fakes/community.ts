import type { Sql } from "postgres";
import { type JobSpec, type RunResult, standaloneContext } from "../../actors/job.ts";
import { fakeClock } from "./clock.ts";

/** A chat and its members, written set-based. `members` are `[userId, fields]`. */
export async function community(
  sql: Sql,
  chat: { id: number; title?: string; kind?: string },
  members: Array<
    { user: number; xp?: number; level?: number; startedBot?: boolean; name?: string }
  >,
) {
  await sql`INSERT INTO chats (chat_id, title, kind) VALUES (${chat.id}, ${
    chat.title ?? `Chat ${chat.id}`
  }, ${chat.kind ?? "supergroup"})
            ON CONFLICT (chat_id) DO NOTHING`;
  const rows = members.map((m) => ({
    user_id: m.user,
    xp: m.xp ?? 0,
    level: m.level ?? 1,
    started_bot: m.startedBot ?? false,
    display_name: m.name ?? `user${m.user}`,
  }));
  await sql`
    INSERT INTO members (chat_id, user_id, xp, level, next_level_xp, started_bot, display_name)
    SELECT ${chat.id}, r.user_id, r.xp, r.level, (SELECT min_xp FROM levels WHERE number = r.level + 1), r.started_bot, r.display_name
    FROM json_to_recordset(${JSON.stringify(rows)}::text::json)
      AS r(user_id bigint, xp bigint, level int, started_bot boolean, display_name text)`;
}

/** History in a chat's ledger (reason `seed`, sources `seed-0`, `seed-1`, …), written set-based. */
export async function seedLedger(
  sql: Sql,
  chat: number,
  rows: Array<{ user: number; amount: number; at: string }>,
) {
  const data = rows.map((r, i) => ({ ...r, source: `seed-${i}` }));
  await sql`
    INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
    SELECT ${chat}, r.user, r.amount, 'seed', r.source, r.at
    FROM json_to_recordset(${JSON.stringify(data)}::text::json)
      AS r("user" bigint, amount int, at timestamptz, source text)`;
}

/** Ledger rows `[user, amount, ISO time]` in `chat`, credited to the balances as every award is. */
export async function creditLedger(sql: Sql, chat: number, rows: Array<[number, number, string]>) {
  await sql`
    WITH paid AS (
      INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
      SELECT ${chat}, r.user_id, r.amount, 'test', 'r' || r.n || '-' || r.at, r.at
      FROM json_to_recordset(${
    JSON.stringify(rows.map(([user_id, amount, at], n) => ({ user_id, amount, at, n })))
  }::text::json)
        AS r(user_id bigint, amount int, at timestamptz, n int)
      RETURNING chat_id, user_id, amount)
    UPDATE members m SET xp = m.xp + p.amount
    FROM (SELECT chat_id, user_id, sum(amount) AS amount FROM paid GROUP BY chat_id, user_id) p
    WHERE m.chat_id = p.chat_id AND m.user_id = p.user_id`;
}

/** Runs a job's `run` as the runtime would for `slot`, outside any runtime (for idempotency tests). */
export async function runJob(spec: JobSpec, db: Sql, slot: Date | string): Promise<RunResult> {
  const at = new Date(slot);
  return (await spec.run(standaloneContext({ db, clock: fakeClock(at), scheduledFor: at }))) ?? {};
}

/** Everything the outbox holds, oldest first. */
export async function outbox(sql: Sql) {
  const rows = await sql<{ chat_id: number; text: string; dedupe_key: string }[]>`
    SELECT chat_id, text, dedupe_key FROM outbox ORDER BY id`;
  return [...rows];
}

/** `level-ups`' naive loop and lower bound, and the state every phase starts from. */
import type postgres from "postgres";
import { checkpoint } from "./measure.ts";

/** Puts every member back to the state after seeding, and empties what runs write. */
export async function restore(sql: postgres.Sql) {
  await sql`UPDATE members m SET level = b.level, next_level_xp = b.next_level_xp
            FROM bench_members b
            WHERE m.chat_id = b.chat_id AND m.user_id = b.user_id
              AND (m.level, m.next_level_xp) IS DISTINCT FROM (b.level, b.next_level_xp)`;
  await sql`TRUNCATE events, outbox`;
  await sql`VACUUM ANALYZE members`;
  await checkpoint(sql);
}

/**
 * Seed 000's shape: load every member, then check and update one at a time. In key order, so
 * the sample is like the whole (heap order would put the rows a restore rewrote last).
 */
export async function naiveLevelUps(sql: postgres.Sql, sample: number): Promise<number> {
  const all = await sql<
    { chat_id: number; user_id: number; xp: number; level: number; started_bot: boolean }[]
  >`
    SELECT chat_id, user_id, xp, level, started_bot FROM members ORDER BY chat_id, user_id`;
  let done = 0;
  for (const m of all) {
    if (done >= sample) break;
    const [target] = await sql<{ number: number; name: string }[]>`
      SELECT number, name FROM levels WHERE min_xp <= ${m.xp} ORDER BY min_xp DESC LIMIT 1`;
    done++;
    if (!target || target.number <= m.level) continue;
    const [next] = await sql<{ min_xp: number }[]>`SELECT min_xp FROM levels WHERE number = ${
      target.number + 1
    }`;
    await sql`UPDATE members SET level = ${target.number}, next_level_xp = ${
      next?.min_xp ?? null
    }, updated_at = now()
              WHERE chat_id = ${m.chat_id} AND user_id = ${m.user_id}`;
    if (m.started_bot) {
      await sql`INSERT INTO outbox (chat_id, text, dedupe_key)
                VALUES (${m.user_id}, ${`You reached level ${target.name}`}, ${`naive:${m.chat_id}:${m.user_id}:${target.number}`})
                ON CONFLICT (dedupe_key) DO NOTHING`;
    }
  }
  return done;
}

/** The lower bound: the same level change as one statement, nothing else. */
export async function boundLevelUps(sql: postgres.Sql): Promise<number> {
  const r = await sql`
    UPDATE members m SET level = t.number, next_level_xp = nx.min_xp, updated_at = now()
    FROM members d
    CROSS JOIN LATERAL (SELECT number FROM levels WHERE min_xp <= d.xp ORDER BY min_xp DESC LIMIT 1) t
    LEFT JOIN levels nx ON nx.number = t.number + 1
    WHERE d.xp >= d.next_level_xp AND m.chat_id = d.chat_id AND m.user_id = d.user_id`;
  return r.count;
}

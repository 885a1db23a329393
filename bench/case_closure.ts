/**
 * `case-closure` on one case with `participants` voters and `args` arguments (each with 👍):
 * Warden's closure (ranking, the split, reward rows, the ledger and balances, the posts, in one
 * transaction) against one bare INSERT … SELECT writing the same reward rows and nothing else,
 * in rewards written a second.
 */
import type postgres from "postgres";
import { closeCase } from "../domain/case_closure.ts";
import { argumentShares, categoryTotals } from "../domain/case_split.ts";
import { checkpoint, timed } from "./measure.ts";

/** Big enough that every participant is paid (with 1,000 XP, 100,000 participants get 0 each). */
const POOL = 1_000_000;
const CHAT = -900_000_001;

/** A case with its votes, arguments and 👍, written set-based; returns its id. */
async function makeCase(sql: postgres.Sql, participants: number, args: number, key: string) {
  const opens = new Date("2026-01-01T00:00:00Z");
  const [{ id }] = await sql<{ id: string }[]>`
    INSERT INTO cases (source, source_key, title, body, options, verdict, reasoning, salt, commitment,
                       opens_at, closes_at)
    VALUES ('bank', ${key}, '{"en":"B","es":"B"}', '{"en":"B","es":"B"}',
            '[{"id":"a","label":{"en":"A","es":"A"}},{"id":"b","label":{"en":"B","es":"B"}},{"id":"c","label":{"en":"C","es":"C"}}]',
            'a', '{"en":"R","es":"R"}', 'salt', 'commitment', ${opens},
            ${opens}::timestamptz + interval '1 day')
    RETURNING id`;
  await sql`
    INSERT INTO case_votes (case_id, user_id, chat_id, option, voted_at)
    SELECT ${id}, u, ${CHAT}, (ARRAY['a', 'b', 'c'])[1 + u % 3], ${opens}
    FROM generate_series(1, ${participants}) u`;
  await sql`
    INSERT INTO case_arguments (case_id, chat_id, message_id, user_id, text, posted_at)
    SELECT ${id}, ${CHAT}, ${Number(id) * 1_000_000} + g, g, 'argument ' || g,
           ${opens}::timestamptz + g * interval '1 second'
    FROM generate_series(1, ${args}) g`;
  // Five 👍 per argument from other members, a few more for some.
  await sql`
    INSERT INTO argument_votes (argument_id, user_id)
    SELECT a.id, 1 + (a.user_id + k * 7919) % ${participants}
    FROM case_arguments a, generate_series(1, 5 + (a.id % 4)::int) k
    WHERE a.case_id = ${id}
    ON CONFLICT DO NOTHING`;
  return Number(id);
}

/** The bound: the same reward rows from one statement, no ranking kept, no ledger, no posts. */
async function bareRewards(sql: postgres.Sql, id: number): Promise<number> {
  const t = categoryTotals(POOL);
  const [a1, a2, a3] = argumentShares(t.arguments);
  const written = await sql`
    WITH voters AS (
      SELECT user_id, chat_id, row_number() OVER (ORDER BY user_id) - 1 AS i, count(*) OVER () AS n
      FROM case_votes WHERE case_id = ${id} AND option = 'a'
    ), people AS (
      SELECT user_id, chat_id, row_number() OVER (ORDER BY user_id) - 1 AS i, count(*) OVER () AS n
      FROM (SELECT user_id, min(chat_id) AS chat_id FROM (
        SELECT user_id, chat_id FROM case_votes WHERE case_id = ${id}
        UNION ALL SELECT user_id, chat_id FROM case_arguments WHERE case_id = ${id}) p GROUP BY user_id) q
    ), top AS (
      SELECT user_id, chat_id, row_number() OVER (ORDER BY votes DESC, posted_at, id) AS rank
      FROM (SELECT a.id, a.user_id, a.chat_id, a.posted_at,
                   (SELECT count(*) FROM argument_votes v WHERE v.argument_id = a.id AND v.user_id <> a.user_id) AS votes
            FROM case_arguments a WHERE a.case_id = ${id}) c
    )
    INSERT INTO case_rewards (case_id, user_id, kind, rank, amount, chat_id, rail)
    SELECT * FROM (
    SELECT ${id}::bigint, user_id, 'voter', 0, (${t.voters}::bigint / n + (i < ${t.voters}::bigint % n)::int)::int, chat_id, 'xp' FROM voters
    UNION ALL
    SELECT ${id}::bigint, user_id, 'argument', rank, (ARRAY[${a1}::int, ${a2}::int, ${a3}::int])[rank], chat_id, 'xp'
    FROM top WHERE rank <= 3
    UNION ALL
    SELECT ${id}::bigint, user_id, 'participant', 0,
           (${t.participants}::bigint / n + (i < ${t.participants}::bigint % n)::int)::int, chat_id, 'xp'
    FROM people) r (case_id, user_id, kind, rank, amount, chat_id, rail)
    WHERE amount > 0`;
  return written.count;
}

export async function caseClosureBench(sql: postgres.Sql, participants: number, args: number) {
  await sql`INSERT INTO chats (chat_id, title, kind) VALUES (${CHAT}, 'Bench cases', 'supergroup')
            ON CONFLICT DO NOTHING`;
  await sql`
    INSERT INTO members (chat_id, user_id, display_name)
    SELECT ${CHAT}, u, 'member ' || u FROM generate_series(1, ${participants}) u
    ON CONFLICT DO NOTHING`;
  const mine = await makeCase(sql, participants, args, "bench:warden");
  const bare = await makeCase(sql, participants, args, "bench:bare");
  await sql`VACUUM ANALYZE`;
  await checkpoint(sql);
  const warden = await timed(() =>
    closeCase(sql, mine, new Date("2026-01-02T00:00:00Z"), { pool: POOL, rail: "xp" })
  );
  const bound = await timed(() => bareRewards(sql, bare));
  const rewards = warden.value?.rewards ?? 0;
  if (rewards !== bound.value) {
    throw new Error(`case-closure wrote ${rewards} rewards, the bare statement ${bound.value}`);
  }
  const wardenPerS = rewards / warden.seconds, boundPerS = bound.value / bound.seconds;
  return {
    job: "case-closure",
    participants,
    arguments: args,
    rewards,
    warden_per_s: Math.round(wardenPerS),
    bound_per_s: Math.round(boundPerS),
    vs_bound: +(wardenPerS / boundPerS).toFixed(3),
    seconds: +warden.seconds.toFixed(2),
  };
}

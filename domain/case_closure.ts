import type postgres from "postgres";
import { defineJob, type JobSpec } from "../actors/job.ts";
import { argumentShares, categoryTotals, DEFAULT_CREATOR_MIN_PARTICIPANTS } from "./case_split.ts";
import { closingPost, inEveryLanguage, sqlRewardMessage } from "./case_texts.ts";
import { sqlChatLanguage } from "./job_texts.ts";
import { creditLedger, creditUnsent } from "./case_settle.ts";

type Texts = { en: string; es: string };

export interface CaseClosureOptions {
  /** XP split among a case's members at closure (`CASE_REWARD_POOL_XP`). */
  pool: number;
  /** `evm`: rewards to members with a linked wallet go on chain; the others, and all with `xp`, to the ledger. */
  rail: "xp" | "evm";
  creatorMinParticipants?: number;
}

/**
 * `case-closure` (every 5 min; seed 001). Each open case whose `closes_at` has come (as of the
 * slot) closes in one transaction of its own: the top 3 arguments by 👍 (ties: earlier first)
 * are ranked, the pool is split as `case_split.splitCase` says — computed here in SQL, the
 * equal shares by `row_number()` over user ids — into reward rows (one key per member, kind
 * and rank), the ledger rewards settled at once, the verdict and salt revealed in a closing post
 * per chat, and one private message per rewarded member. A case closes once: a second run, or
 * a second replica, finds it closed (the row lock decides) and pays nothing. A case that cannot
 * close is logged and skipped; the others close, and the run then fails naming it.
 *
 * On `xp`, each run first credits (once) the `evm` rewards left unsent by a switch from `evm`
 * (`creditUnsent`): settled on the ledger, not stranded; those already sent are the monitor's.
 */
export function caseClosureJob(o: CaseClosureOptions): JobSpec {
  return defineJob({
    name: "case-closure",
    description: "Closes due cases: ranks arguments, reveals the verdict, writes the rewards",
    schedule: "*/5 * * * *",
    timeout: "10m",
    async run(ctx) {
      const stranded = o.rail === "xp"
        ? await ctx.db.begin((tx) => creditUnsent(tx, ctx.scheduledFor))
        : 0;
      const due = await ctx.db<{ id: string }[]>`
        SELECT id FROM cases WHERE status = 'open' AND closes_at <= ${ctx.scheduledFor}
        ORDER BY closes_at, id`;
      let rewards = 0, closed = 0;
      const failed: string[] = [];
      for (const { id } of due) {
        ctx.signal.throwIfAborted();
        try {
          const done = await closeCase(ctx.db, Number(id), ctx.scheduledFor, o);
          if (done) (closed++, rewards += done.rewards);
        } catch (error) {
          // One case that cannot close must not hold the others open: the run fails after them.
          if (ctx.signal.aborted) throw error;
          ctx.log.error("cannot close a case", { caseId: Number(id), error });
          failed.push(`#${id}: ${(error as Error).message}`);
        }
      }
      if (failed.length) {
        throw new Error(
          `${failed.length} of ${due.length} due cases could not close (${closed} closed): ` +
            failed.join("; "),
        );
      }
      return {
        processed: due.length,
        changed: closed + stranded,
        details: { closed, rewards, stranded },
      };
    },
  });
}

/** Closes one case if it is still open; null when another run closed it first. */
export async function closeCase(
  sql: postgres.Sql,
  id: number,
  at: Date,
  o: CaseClosureOptions,
): Promise<{ rewards: number; participants: number } | null> {
  const totals = categoryTotals(o.pool);
  const [a1, a2, a3] = argumentShares(totals.arguments);
  const minPeople = o.creatorMinParticipants ?? DEFAULT_CREATOR_MIN_PARTICIPANTS;
  return await sql.begin(async (tx) => {
    const [c] = await tx<{
      title: Texts;
      options: Array<{ id: string; label: Texts }>;
      verdict: string;
      reasoning: Texts;
      salt: string;
      commitment: string;
      closes_at: Date;
      creator_id: string | null;
      creator_chat: string | null;
    }[]>`
      SELECT title, options, verdict, reasoning, salt, commitment, closes_at, creator_id, creator_chat
      FROM cases WHERE id = ${id} AND status = 'open' FOR UPDATE`;
    if (!c) return null;
    // Arguments posted before the close, ranked by 👍 (never the author's own), then time.
    await tx`
      WITH counted AS (
        SELECT a.id, a.posted_at,
               (SELECT count(*) FROM argument_votes v WHERE v.argument_id = a.id AND v.user_id <> a.user_id) AS votes
        FROM case_arguments a WHERE a.case_id = ${id} AND a.posted_at < ${c.closes_at}
      ), ranked AS (
        SELECT id, votes, row_number() OVER (ORDER BY votes DESC, posted_at, id) AS rank FROM counted
      )
      UPDATE case_arguments a SET votes = r.votes, rank = CASE WHEN r.rank <= 3 THEN r.rank END
      FROM ranked r WHERE a.id = r.id`;
    const [{ people, winners }] = await tx<{ people: number; winners: number }[]>`
      SELECT count(DISTINCT user_id)::int AS people,
             count(*) FILTER (WHERE winner)::int AS winners
      FROM (SELECT user_id, option = ${c.verdict} AS winner FROM case_votes WHERE case_id = ${id}
            UNION ALL
            SELECT user_id, false FROM case_arguments WHERE case_id = ${id} AND posted_at < ${c.closes_at}) p`;
    const creatorPaid = c.creator_id !== null && people >= minPeople;
    const written = await tx<{ n: number }[]>`
      WITH participants AS (
        -- Each member once, credited in the chat they voted from (else argued from).
        SELECT DISTINCT ON (user_id) user_id, chat_id FROM (
          SELECT user_id, chat_id, 0 AS pref FROM case_votes WHERE case_id = ${id}
          UNION ALL
          SELECT user_id, chat_id, 1 FROM case_arguments WHERE case_id = ${id} AND posted_at < ${c.closes_at}
        ) p ORDER BY user_id, pref, chat_id
      ), voters AS (
        SELECT user_id, chat_id, row_number() OVER (ORDER BY user_id) - 1 AS i, count(*) OVER () AS n
        FROM case_votes WHERE case_id = ${id} AND option = ${c.verdict}
      ), people AS (
        SELECT user_id, chat_id, row_number() OVER (ORDER BY user_id) - 1 AS i, count(*) OVER () AS n
        FROM participants
      ), owed AS (
        SELECT user_id, chat_id, 'voter' AS kind, 0 AS rank,
               (${totals.voters}::bigint / n + CASE WHEN i < ${totals.voters}::bigint % n THEN 1 ELSE 0 END)::int AS amount
        FROM voters
        UNION ALL
        SELECT a.user_id, a.chat_id, 'argument', a.rank,
               (ARRAY[${a1}::int, ${a2}::int, ${a3}::int])[a.rank]
        FROM case_arguments a WHERE a.case_id = ${id} AND a.rank IS NOT NULL
        UNION ALL
        SELECT user_id, chat_id, 'participant', 0,
               (${totals.participants}::bigint / n + CASE WHEN i < ${totals.participants}::bigint % n THEN 1 ELSE 0 END)::int
        FROM people
        UNION ALL
        SELECT ${c.creator_id}::bigint, ${c.creator_chat}::bigint, 'creator', 0, ${totals.creator}::int
        WHERE ${creatorPaid}
      ), members_made AS (
        INSERT INTO members (chat_id, user_id, next_level_xp, started_bot)
        SELECT DISTINCT o.chat_id, o.user_id, (SELECT min_xp FROM levels WHERE number = 2),
               EXISTS (SELECT 1 FROM bot_users b WHERE b.user_id = o.user_id)
        FROM owed o WHERE o.amount > 0
        ON CONFLICT (chat_id, user_id) DO NOTHING
      ), inserted AS (
        INSERT INTO case_rewards (case_id, user_id, kind, rank, amount, chat_id, rail, state, settled_at)
        SELECT ${id}, o.user_id, o.kind, o.rank, o.amount, o.chat_id, r.rail,
               CASE WHEN r.rail = 'xp' THEN 'completed' ELSE 'processing' END,
               CASE WHEN r.rail = 'xp' THEN ${at}::timestamptz END
        FROM owed o
        CROSS JOIN LATERAL (
          SELECT CASE WHEN ${o.rail} = 'evm' AND EXISTS (SELECT 1 FROM wallets w WHERE w.user_id = o.user_id)
                      THEN 'evm' ELSE 'xp' END AS rail
        ) r
        WHERE o.amount > 0
        ON CONFLICT (case_id, user_id, kind, rank) DO NOTHING
        RETURNING 1
      )
      SELECT count(*)::int AS n FROM inserted`;
    // The ledger rail settles here: written `completed` above, credited in this transaction.
    await creditLedger(tx, id, at);
    const verdictLabel = c.options.find((x) => x.id === c.verdict)!.label;
    const top = await tx<{ name: string; votes: number }[]>`
      SELECT coalesce(nullif(m.display_name, ''), 'user' || a.user_id) AS name, a.votes
      FROM case_arguments a
      LEFT JOIN members m ON m.chat_id = a.chat_id AND m.user_id = a.user_id
      WHERE a.case_id = ${id} AND a.rank IS NOT NULL ORDER BY a.rank`;
    const post = inEveryLanguage((lang) =>
      closingPost({
        id,
        title: c.title,
        verdictLabel,
        reasoning: c.reasoning,
        verdict: c.verdict,
        salt: c.salt,
        commitment: c.commitment,
        participants: people,
        winners,
        top: [...top],
      }, lang)
    );
    await tx`
      INSERT INTO outbox (chat_id, text, dedupe_key)
      SELECT ch.chat_id, CASE WHEN g.lang = 'es' THEN ${post.es} ELSE ${post.en} END,
             'case-closed:' || ${id} || ':' || ch.chat_id
      FROM chats ch CROSS JOIN LATERAL (SELECT ${tx.unsafe(sqlChatLanguage("ch"))} AS lang) g
      WHERE ch.kind IN ('group', 'supergroup') AND (ch.cases_enabled
        OR EXISTS (SELECT 1 FROM case_votes v WHERE v.case_id = ${id} AND v.chat_id = ch.chat_id))
      ON CONFLICT (dedupe_key) DO NOTHING`;
    // Spanish if every chat of the member's rewards (or their Telegram) says so.
    const reward = sqlRewardMessage(
      "min(coalesce(ch.language, lower(left(m.language_code, 2))))",
      id,
      "sum(r.amount)",
      verdictLabel,
    );
    await tx`
      INSERT INTO outbox (chat_id, text, dedupe_key)
      SELECT r.user_id, ${tx.unsafe(reward)},
             'case-reward:' || ${id} || ':' || r.user_id
      FROM case_rewards r
      JOIN members m ON m.chat_id = r.chat_id AND m.user_id = r.user_id
      JOIN chats ch ON ch.chat_id = r.chat_id
      WHERE r.case_id = ${id} AND m.started_bot AND NOT m.unreachable
      GROUP BY r.user_id
      ON CONFLICT (dedupe_key) DO NOTHING`;
    await tx`
      UPDATE cases SET status = 'closed', closed_at = ${at}, participants = ${people}
      WHERE id = ${id}`;
    return { rewards: written[0].n, participants: people };
  });
}

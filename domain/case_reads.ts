import type postgres from "postgres";

type Texts = { en: string; es: string };

/** A case as the API lists it; the verdict and salt only once it closed. */
export interface CaseSummary {
  id: number;
  source: string;
  status: string;
  title: Texts;
  commitment: string;
  opensAt: Date;
  closesAt: Date;
  closedAt: Date | null;
  participants: number | null;
  votes: number;
  arguments: number;
}

/** The newest cases first, optionally of one status. */
export async function listCases(
  sql: postgres.Sql,
  o: { status?: "open" | "closed"; limit: number },
): Promise<CaseSummary[]> {
  return [
    ...await sql<CaseSummary[]>`
      SELECT c.id::int, c.source, c.status, c.title, c.commitment, c.opens_at AS "opensAt",
             c.closes_at AS "closesAt", c.closed_at AS "closedAt", c.participants,
             (SELECT count(*) FROM case_votes v WHERE v.case_id = c.id)::int AS votes,
             (SELECT count(*) FROM case_arguments a WHERE a.case_id = c.id)::int AS arguments
      FROM cases c
      WHERE c.status IN ('open', 'closed') AND (${o.status ?? null}::text IS NULL OR c.status = ${
      o.status ?? null
    })
      ORDER BY c.id DESC LIMIT ${o.limit}`,
  ];
}

/**
 * One case: its options (with their vote counts and the verdict, salt and reasoning once it
 * closed: never before), the top arguments, and the rewards with their settlement state.
 */
export async function readCase(sql: postgres.Sql, id: number) {
  const [c] = await sql<
    (CaseSummary & {
      body: Texts;
      options: Array<{ id: string; label: Texts }>;
      verdict: string;
      salt: string;
      reasoning: Texts;
    })[]
  >`
    SELECT c.id::int, c.source, c.status, c.title, c.body, c.options, c.verdict, c.salt, c.reasoning,
           c.commitment, c.opens_at AS "opensAt", c.closes_at AS "closesAt",
           c.closed_at AS "closedAt", c.participants,
           (SELECT count(*) FROM case_votes v WHERE v.case_id = c.id)::int AS votes,
           (SELECT count(*) FROM case_arguments a WHERE a.case_id = c.id)::int AS arguments
    FROM cases c WHERE c.id = ${id} AND c.status IN ('open', 'closed')`;
  if (!c) return null;
  const { verdict, salt, reasoning, ...shown } = c;
  if (c.status !== "closed") return { ...shown, verdict: null, salt: null, reasoning: null };
  const counts = await sql<{ option: string; n: number }[]>`
    SELECT option, count(*)::int AS n FROM case_votes WHERE case_id = ${id} GROUP BY option`;
  const top = await sql`
    SELECT a.rank, a.user_id::text AS "userId", a.votes, a.text, a.posted_at AS "postedAt"
    FROM case_arguments a WHERE a.case_id = ${id} AND a.rank IS NOT NULL ORDER BY a.rank`;
  const rewards = await sql`
    SELECT kind, state, rail, count(*)::int AS rewards, sum(amount)::int AS xp
    FROM case_rewards WHERE case_id = ${id} GROUP BY kind, state, rail ORDER BY kind, state, rail`;
  return {
    ...shown,
    options: c.options.map((o) => ({ ...o, votes: counts.find((x) => x.option === o.id)?.n ?? 0 })),
    verdict,
    salt,
    reasoning,
    topArguments: top.map((a) => ({ ...a, userId: Number(a.userId) })),
    rewards: [...rewards],
  };
}

import type postgres from "postgres";

type Sql = postgres.Sql | postgres.TransactionSql;

/**
 * Named metrics a badge can count, each one SQL expression over a member's stats row `st`.
 * A new badge is a row; a new kind of badge is a line here (and a column of `statsFrom`).
 */
export const METRICS = {
  messages: "st.messages_count",
  links_shared: "st.links_shared",
  thanks_received: "st.thanks_received",
  level: "st.level",
  xp: "st.xp",
  best_streak: "st.best_streak",
  days_active: "st.days_active", // days with a paid message, counted as they come
  // Seed 001's cases (migration 0014), per chat: see `caseActivity`.
  case_wins: "st.case_wins",
  case_top_arguments: "st.case_top_arguments",
  case_participations: "st.case_participations",
  case_votes: "st.case_votes",
  early_adopter: "st.early_adopter", // 1 when the member joined before EARLY_ADOPTER_UNTIL
  wallet_linked: "st.wallet_linked", // 1 when the user linked a wallet (/wallet)
} as const;
export type Metric = keyof typeof METRICS;

/** Which members a stats fragment covers: all, one, or a range of chats. */
export type StatsScope = { chatId: number; userId: number } | { lo: number; hi: number } | null;

export interface StatsOptions {
  /** Members who joined (`members.created_at`) before this are early adopters; unset: none are. */
  earlyAdopterUntil?: Date | null;
}

/** `AND <alias>.chat_id … [AND <alias>.user_id = …]` for `only`; nothing for all members. */
function scoped(sql: Sql, alias: string, only?: StatsScope) {
  const chat = sql(`${alias}.chat_id`);
  const user = sql(`${alias}.user_id`);
  return !only
    ? sql``
    : "lo" in only
    ? sql`AND ${chat} BETWEEN ${only.lo} AND ${only.hi}`
    : sql`AND ${chat} = ${only.chatId} AND ${user} = ${only.userId}`;
}

/**
 * Case activity per (chat, member), driven by the case tables, so only members who voted or
 * argued appear: wins (a vote for the verdict of a closed case), top-3 arguments (ranked in a
 * closed case), participations (distinct closed cases voted or argued in from that chat) and
 * votes (every vote cast from that chat). `only` narrows it as in `statsFrom`.
 */
export function caseActivity(sql: Sql, only?: StatsScope) {
  return sql`
    SELECT x.chat_id, x.user_id, sum(x.win)::int AS wins, sum(x.top)::int AS top_arguments,
           (count(DISTINCT x.case_id) FILTER (WHERE x.closed))::int AS participations,
           sum(x.vote)::int AS votes
    FROM (
      SELECT v.chat_id, v.user_id, v.case_id, c.status = 'closed' AS closed, 1 AS vote,
             (c.status = 'closed' AND v.option = c.verdict)::int AS win, 0 AS top
      FROM case_votes v JOIN cases c ON c.id = v.case_id
      WHERE true ${scoped(sql, "v", only)}
      UNION ALL
      SELECT a.chat_id, a.user_id, a.case_id, true, 0, 0, (a.rank IS NOT NULL)::int
      FROM case_arguments a JOIN cases c ON c.id = a.case_id
      WHERE c.status = 'closed' ${scoped(sql, "a", only)}
    ) x
    GROUP BY x.chat_id, x.user_id`;
}

/**
 * The per-member stats every metric reads, as a SQL fragment (`st`); `only` narrows it to one
 * member, or to a range of chats. Case metrics come from `caseActivity`, joined in: members
 * with no case activity cost one hash probe, not a look at the case tables.
 */
export function statsFrom(sql: Sql, only?: StatsScope, options: StatsOptions = {}) {
  const until = options.earlyAdopterUntil ?? null;
  return sql`
    SELECT m.chat_id, m.user_id, m.messages_count, m.links_shared, m.thanks_received, m.level, m.xp,
           coalesce(s.best, 0) AS best_streak, m.days_active,
           coalesce(ca.wins, 0) AS case_wins, coalesce(ca.top_arguments, 0) AS case_top_arguments,
           coalesce(ca.participations, 0) AS case_participations, coalesce(ca.votes, 0) AS case_votes,
           coalesce((m.created_at < ${until}::timestamptz)::int, 0) AS early_adopter,
           (w.user_id IS NOT NULL)::int AS wallet_linked
    FROM members m
    LEFT JOIN streaks s ON s.chat_id = m.chat_id AND s.user_id = m.user_id
    LEFT JOIN (${caseActivity(sql, only)}) ca ON ca.chat_id = m.chat_id AND ca.user_id = m.user_id
    LEFT JOIN wallets w ON w.user_id = m.user_id
    WHERE NOT m.is_bot ${scoped(sql, "m", only)}`;
}

/** `CASE b.metric WHEN 'messages' THEN st.messages_count … END`, from the constant map above. */
export function metricValue(sql: Sql) {
  const arms = Object.entries(METRICS).map(([name, expr]) => `WHEN '${name}' THEN ${expr}`).join(
    " ",
  );
  return sql.unsafe(`CASE b.metric ${arms} END`);
}

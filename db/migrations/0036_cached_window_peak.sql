-- Taking messages in (issue 18): the cap's window peak of 0019, unchanged in what it reads and
-- returns, in plpgsql instead of SQL. A SQL function that is not inlined (it is not, called from
-- `award_pay`'s plpgsql) parses and plans its query on every call; plpgsql keeps the plan for the
-- session. The award calls it twice per thank-you (the author and each receiver are paid through
-- `award_pay`): on `bench/ingest.ts`'s load, re-planning was ≈6 % of the database's CPU per
-- message (`perf` on the backend, `fmgr_sql`), and the award's database CPU per message fell by
-- ≈10 % without it.
CREATE OR REPLACE FUNCTION award_window_peak(p_chat bigint, p_user bigint, p_at timestamptz,
                                             p_window interval, p_reasons text[])
RETURNS int LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RETURN (
    SELECT coalesce(max((
        SELECT coalesce(sum(l.amount), 0) FROM xp_ledger l
        WHERE l.chat_id = p_chat AND l.user_id = p_user AND l.reason = ANY(p_reasons)
          AND l.created_at > t.at - p_window AND l.created_at <= t.at
      )), 0)::int
    FROM (
      SELECT p_at AS at
      UNION
      SELECT created_at FROM xp_ledger
      WHERE chat_id = p_chat AND user_id = p_user AND reason = ANY(p_reasons)
        AND created_at > p_at AND created_at < p_at + p_window
    ) t);
END
$$;

-- Taking messages in (issue 18), second step: the same rules as 0019_ingest.sql, with leaner
-- plans for `award_messages`:
-- 1. The batch locks its members through the primary key (`chat_id = ANY`, `user_id = ANY`,
--    then the exact pairs), not by hashing the whole members table: with the jsonb functions'
--    row estimates the planner read every member on every batch (2 ms of a batch's ≈20 at
--    2,000 members).
-- 2. The batch's messages are read from jsonb once, as typed rows (jsonb_to_recordset).

-- As in 0019: one outcome per message, in order; the plain messages of members with one message
-- in the batch paid by one set-based statement, the rest one at a time by `award_message`.
CREATE OR REPLACE FUNCTION award_messages(ms jsonb, r jsonb) RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_window interval := (r->>'window_s')::int * interval '1 second';
  v_reasons text[] := ARRAY(SELECT jsonb_array_elements_text(r->'reasons'));
  v_max int := (r->>'max_per_minute')::int;
  v_chats bigint[];
  v_users bigint[];
  v_keys text[];
  v_done jsonb;
  v_out jsonb := '[]';
  v_item jsonb;
  v_n bigint;
BEGIN
  -- Chats: created by their first message of the batch, titled by the last.
  INSERT INTO chats (chat_id, title, kind)
  SELECT DISTINCT ON (x.chat) x.chat, x.title, x.kind
  FROM ROWS FROM (jsonb_to_recordset(ms) AS (chat bigint, title text, kind text))
       WITH ORDINALITY x(chat, title, kind, n)
  ORDER BY x.chat, x.n
  ON CONFLICT (chat_id) DO NOTHING;
  UPDATE chats c SET title = t.title
  FROM (
    SELECT DISTINCT ON (x.chat) x.chat, x.title
    FROM ROWS FROM (jsonb_to_recordset(ms) AS (chat bigint, title text))
         WITH ORDINALITY x(chat, title, n)
    ORDER BY x.chat, x.n DESC
  ) t
  WHERE c.chat_id = t.chat AND c.title IS DISTINCT FROM t.title;
  -- Authors and those thanked by id become members (as their first mention in the batch says).
  INSERT INTO members (chat_id, user_id, display_name, username, is_bot, next_level_xp, started_bot)
  SELECT DISTINCT ON (x.chat, u.user_id) x.chat, u.user_id, u.name, u.username, u.is_bot,
         (SELECT min_xp FROM levels WHERE number = 2),
         EXISTS (SELECT 1 FROM bot_users b WHERE b.user_id = u.user_id)
  FROM ROWS FROM (jsonb_to_recordset(ms) AS (chat bigint, users jsonb)) WITH ORDINALITY x(chat, users, n),
       ROWS FROM (jsonb_to_recordset(x.users) AS (user_id bigint, name text, username text, is_bot boolean))
       WITH ORDINALITY u(user_id, name, username, is_bot, k)
  ORDER BY x.chat, u.user_id, x.n, u.k
  ON CONFLICT (chat_id, user_id) DO NOTHING;
  -- The serialisation of awards: every member of the batch (those thanked by @username too),
  -- in key order, before any award; found through the primary key.
  SELECT array_agg(DISTINCT k.chat_id), array_agg(DISTINCT k.user_id),
         array_agg(k.chat_id || ':' || k.user_id)
  INTO v_chats, v_users, v_keys
  FROM (
    SELECT x.chat AS chat_id, u.user_id
    FROM ROWS FROM (jsonb_to_recordset(ms) AS (chat bigint, users jsonb)) x(chat, users),
         ROWS FROM (jsonb_to_recordset(x.users) AS (user_id bigint)) u(user_id)
  ) k;
  IF jsonb_path_exists(ms, '$[*].usernames[0]') THEN
    SELECT v_chats || array_agg(n.chat_id), v_users || array_agg(n.user_id),
           v_keys || array_agg(n.chat_id || ':' || n.user_id)
    INTO v_chats, v_users, v_keys
    FROM ROWS FROM (jsonb_to_recordset(ms) AS (chat bigint, usernames jsonb)) x(chat, usernames),
         jsonb_array_elements_text(x.usernames) w
    JOIN LATERAL (
      SELECT n.chat_id, n.user_id FROM members n
      WHERE n.chat_id = x.chat AND lower(n.username) = w.value
    ) n ON true;
  END IF;
  PERFORM 1 FROM members mm
  WHERE mm.chat_id = ANY(v_chats) AND mm.user_id = ANY(v_users)
    AND (mm.chat_id || ':' || mm.user_id) = ANY(v_keys)
  ORDER BY mm.chat_id, mm.user_id
  FOR UPDATE;

  -- The set-based part: plain messages of members with one message in the batch.
  WITH items AS (
    SELECT x.n, x.chat AS chat_id, (x.users->0->>'user_id')::bigint AS user_id,
           x.users->0->>'name' AS name, x.users->0->>'username' AS username,
           x.language, x.thread, x.source, x.at, x.base, x.has_link,
           jsonb_array_length(coalesce(x.ids, '[]')) + jsonb_array_length(coalesce(x.usernames, '[]')) AS thanks,
           count(*) OVER (PARTITION BY x.chat, x.users->0->>'user_id') AS mine
    FROM ROWS FROM (jsonb_to_recordset(ms) AS (chat bigint, language text, thread bigint,
           source text, at timestamptz, base int, has_link boolean, users jsonb, ids jsonb,
           usernames jsonb))
         WITH ORDINALITY x(chat, language, thread, source, at, base, has_link, users, ids, usernames, n)
  ), simple AS (
    SELECT i.*, CASE WHEN coalesce(i.thread = ANY(c.no_xp_topics), false) THEN 0
                     ELSE (c.xp_multiplier * 100)::int END AS hundredths
    FROM items i JOIN chats c ON c.chat_id = i.chat_id
    WHERE i.thanks = 0 AND i.mine = 1
  ), priced AS (
    SELECT s.*, CASE WHEN (s.base * s.hundredths + 50) / 100 <= 0 THEN 0
      ELSE greatest(0, least((s.base * s.hundredths + 50) / 100, v_max - (
        SELECT coalesce(max((
            SELECT coalesce(sum(l.amount), 0) FROM xp_ledger l
            WHERE l.chat_id = s.chat_id AND l.user_id = s.user_id AND l.reason = ANY(v_reasons)
              AND l.created_at > t.at - v_window AND l.created_at <= t.at
          )), 0)::int
        FROM (
          SELECT s.at AS at
          UNION
          SELECT l.created_at FROM xp_ledger l
          WHERE l.chat_id = s.chat_id AND l.user_id = s.user_id AND l.reason = ANY(v_reasons)
            AND l.created_at > s.at AND l.created_at < s.at + v_window
        ) t))) END AS pay
    FROM simple s
  ), paid AS (
    INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
    SELECT p.chat_id, p.user_id, p.pay, 'message', p.source, p.at FROM priced p ORDER BY p.n
    ON CONFLICT (chat_id, user_id, reason, source) DO NOTHING
    RETURNING chat_id, user_id, amount
  ), counted AS (
    -- The author's name and language follow Telegram, paid or not; the counters if paid.
    UPDATE members m SET
      display_name = p.name, username = p.username,
      language_code = coalesce(p.language, m.language_code),
      xp = m.xp + CASE WHEN d.user_id IS NULL THEN 0 ELSE p.pay END,
      messages_count = m.messages_count + CASE WHEN d.user_id IS NULL THEN 0 ELSE 1 END,
      links_shared = m.links_shared + CASE WHEN d.user_id IS NOT NULL AND p.has_link THEN 1 ELSE 0 END,
      days_active = m.days_active + CASE
        WHEN d.user_id IS NOT NULL AND (m.last_activity_at IS NULL
          OR (m.last_activity_at AT TIME ZONE 'UTC')::date < (p.at AT TIME ZONE 'UTC')::date)
        THEN 1 ELSE 0 END,
      last_activity_at = CASE WHEN d.user_id IS NULL THEN m.last_activity_at
        ELSE greatest(m.last_activity_at, p.at) END,
      updated_at = CASE WHEN d.user_id IS NULL THEN m.updated_at ELSE now() END
    FROM priced p LEFT JOIN paid d ON d.chat_id = p.chat_id AND d.user_id = p.user_id
    WHERE m.chat_id = p.chat_id AND m.user_id = p.user_id
      AND (d.user_id IS NOT NULL OR (m.display_name, m.username, m.language_code)
        IS DISTINCT FROM (p.name, p.username, coalesce(p.language, m.language_code)))
  ), streaked AS (
    INSERT INTO streaks AS s (chat_id, user_id, current, best, last_activity_at)
    SELECT p.chat_id, p.user_id, 1, 1, p.at
    FROM priced p JOIN paid d ON d.chat_id = p.chat_id AND d.user_id = p.user_id
    ON CONFLICT (chat_id, user_id) DO UPDATE SET
      current = CASE
        WHEN (s.last_activity_at AT TIME ZONE 'UTC')::date >= (EXCLUDED.last_activity_at AT TIME ZONE 'UTC')::date
          THEN greatest(s.current, 1)
        WHEN s.current > 0 THEN s.current + 1
        ELSE 1 END,
      best = greatest(s.best, CASE
        WHEN (s.last_activity_at AT TIME ZONE 'UTC')::date >= (EXCLUDED.last_activity_at AT TIME ZONE 'UTC')::date
          THEN greatest(s.current, 1)
        WHEN s.current > 0 THEN s.current + 1
        ELSE 1 END),
      protections = CASE
        WHEN (s.last_activity_at AT TIME ZONE 'UTC')::date < (EXCLUDED.last_activity_at AT TIME ZONE 'UTC')::date
          AND s.current > 0 AND (s.current + 1) % 7 = 0
          THEN least(2, s.protections + 1)
        ELSE s.protections END,
      last_activity_at = greatest(s.last_activity_at, EXCLUDED.last_activity_at)
  )
  SELECT coalesce(jsonb_object_agg(p.n::text, CASE WHEN d.user_id IS NULL
           THEN jsonb_build_object('author', 0, 'duplicate', true, 'thanked', '[]'::jsonb)
           ELSE jsonb_build_object('author', p.pay, 'duplicate', false, 'thanked', '[]'::jsonb) END),
         '{}'::jsonb)
  INTO v_done
  FROM priced p LEFT JOIN paid d ON d.chat_id = p.chat_id AND d.user_id = p.user_id;

  -- The rest, one at a time in arrival order, after the set-based part.
  FOR v_item, v_n IN
    SELECT x.value, x.ordinality FROM jsonb_array_elements(ms) WITH ORDINALITY x ORDER BY x.ordinality
  LOOP
    IF NOT v_done ? v_n::text THEN
      v_done := v_done || jsonb_build_object(v_n::text, award_message(v_item, r, true));
    END IF;
  END LOOP;
  SELECT jsonb_agg(v_done->(n::text) ORDER BY n) INTO v_out
  FROM generate_series(1, jsonb_array_length(ms)) n;
  RETURN coalesce(v_out, '[]'::jsonb);
END
$$;

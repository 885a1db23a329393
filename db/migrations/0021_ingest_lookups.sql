-- Taking messages in (issue 18), third step: the rules of 0019_ingest.sql, with plans that do
-- not read a chat's whole membership (measured with 1,000 members per chat; at a million they
-- would have read a million rows per message or per batch):
-- 1. A thank-you's receivers are found by two index lookups (id: primary key; @username:
--    members_username), not one `OR` that scanned every member of the chat (≈0.5 ms each).
-- 2. The batch locks its members by one primary-key probe each, in key order; `= ANY` on both
--    key columns let the planner take a bitmap of the whole chats through members_activity.
-- 3. The batch creates members only if some do not exist yet (a primary-key probe per member
--    first; the insert that reads the batch again, with `ON CONFLICT` for a replica that
--    creates one meanwhile, runs only then).
-- 4. Those thanked by @username in a batch are found by one members_username probe per name;
--    the join was hashed over a sequential scan of every member.

-- One message, as in 0019. With `p_chat_done` the batch (award_messages) has already created the
-- chat and set its title, made its members and locked them: none of that is done again.
CREATE OR REPLACE FUNCTION award_message(m jsonb, r jsonb, p_chat_done boolean DEFAULT false)
RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_chat bigint := (m->>'chat')::bigint;
  v_title text := m->>'title';
  v_at timestamptz := (m->>'at')::timestamptz;
  v_source text := m->>'source';
  v_author bigint := (m->'users'->0->>'user_id')::bigint;
  v_name text := m->'users'->0->>'name';
  v_username text := m->'users'->0->>'username';
  v_language text := m->>'language';
  v_ids bigint[] := ARRAY(SELECT jsonb_array_elements_text(coalesce(m->'ids', '[]'))::bigint);
  v_usernames text[] := ARRAY(SELECT jsonb_array_elements_text(coalesce(m->'usernames', '[]')));
  v_window interval := (r->>'window_s')::int * interval '1 second';
  v_reasons text[] := ARRAY(SELECT jsonb_array_elements_text(r->'reasons'));
  v_max int := (r->>'max_per_minute')::int;
  v_hundredths int;
  v_recipients bigint[] := '{}';
  v_author_pay int;
  v_pay int;
  v_user bigint;
  v_thanked jsonb := '[]';
BEGIN
  -- The chat exists from its first message; its XP settings: a no-XP topic pays 0.
  IF NOT p_chat_done THEN
    INSERT INTO chats (chat_id, title, kind) VALUES (v_chat, v_title, m->>'kind')
    ON CONFLICT (chat_id) DO NOTHING;
    UPDATE chats SET title = v_title WHERE chat_id = v_chat AND title IS DISTINCT FROM v_title;
  END IF;
  SELECT CASE WHEN coalesce((m->>'thread')::bigint = ANY(c.no_xp_topics), false) THEN 0
              ELSE (c.xp_multiplier * 100)::int END
    INTO v_hundredths FROM chats c WHERE c.chat_id = v_chat;
  v_hundredths := coalesce(v_hundredths, 100);
  IF NOT p_chat_done THEN
    -- The author and anyone thanked by id become members if they were not yet.
    INSERT INTO members (chat_id, user_id, display_name, username, is_bot, next_level_xp, started_bot)
    SELECT v_chat, u.user_id, u.name, u.username, u.is_bot, (SELECT min_xp FROM levels WHERE number = 2),
           EXISTS (SELECT 1 FROM bot_users b WHERE b.user_id = u.user_id)
    FROM jsonb_to_recordset(m->'users') AS u(user_id bigint, name text, username text, is_bot boolean)
    ON CONFLICT (chat_id, user_id) DO NOTHING;
  END IF;
  -- The author's name and language follow Telegram (no write when nothing changes).
  UPDATE members SET display_name = v_name, username = v_username,
    language_code = coalesce(v_language, language_code)
  WHERE chat_id = v_chat AND user_id = v_author
    AND (display_name, username, language_code)
      IS DISTINCT FROM (v_name, v_username, coalesce(v_language, language_code));

  IF cardinality(v_ids) + cardinality(v_usernames) > 0 THEN
    -- By id through the primary key, by @username through members_username, each only if
    -- the message has some (an `OR` of the two, or a lookup of an empty list, read every
    -- member of the chat).
    IF cardinality(v_ids) > 0 THEN
      v_recipients := ARRAY(
        SELECT mm.user_id FROM members mm
        WHERE mm.chat_id = v_chat AND mm.user_id = ANY(v_ids)
          AND mm.user_id <> v_author AND NOT mm.is_bot);
    END IF;
    IF cardinality(v_usernames) > 0 THEN
      v_recipients := v_recipients || ARRAY(
        SELECT mm.user_id FROM members mm
        WHERE mm.chat_id = v_chat AND lower(mm.username) = ANY(v_usernames)
          AND mm.user_id <> v_author AND NOT mm.is_bot);
    END IF;
    v_recipients := ARRAY(SELECT DISTINCT t FROM unnest(v_recipients) t ORDER BY t LIMIT 3);
  END IF;
  IF NOT p_chat_done THEN
    -- The serialisation of awards: the author's and the receivers' rows, in user-id order.
    PERFORM 1 FROM members
    WHERE chat_id = v_chat AND user_id = ANY(v_author || v_recipients)
    ORDER BY user_id FOR UPDATE;
  END IF;

  v_author_pay := award_pay((m->>'base')::int, v_hundredths, v_chat, v_author, v_at, v_window,
                            v_reasons, v_max);
  INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
  VALUES (v_chat, v_author, v_author_pay, 'message', v_source, v_at)
  ON CONFLICT (chat_id, user_id, reason, source) DO NOTHING;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('author', 0, 'duplicate', true, 'thanked', '[]'::jsonb);
  END IF;
  UPDATE members SET
    xp = xp + v_author_pay,
    messages_count = messages_count + 1,
    links_shared = links_shared + CASE WHEN (m->>'has_link')::boolean THEN 1 ELSE 0 END,
    days_active = days_active + CASE
      WHEN last_activity_at IS NULL
        OR (last_activity_at AT TIME ZONE 'UTC')::date < (v_at AT TIME ZONE 'UTC')::date
      THEN 1 ELSE 0 END,
    last_activity_at = greatest(last_activity_at, v_at),
    updated_at = now()
  WHERE chat_id = v_chat AND user_id = v_author;
  -- The streak continues on a new UTC day after an active one, holds within a day; every
  -- seventh day in a row earns a protection, at most two held.
  INSERT INTO streaks AS s (chat_id, user_id, current, best, last_activity_at)
  VALUES (v_chat, v_author, 1, 1, v_at)
  ON CONFLICT (chat_id, user_id) DO UPDATE SET
    current = CASE
      WHEN (s.last_activity_at AT TIME ZONE 'UTC')::date >= (v_at AT TIME ZONE 'UTC')::date
        THEN greatest(s.current, 1)
      WHEN s.current > 0 THEN s.current + 1
      ELSE 1 END,
    best = greatest(s.best, CASE
      WHEN (s.last_activity_at AT TIME ZONE 'UTC')::date >= (v_at AT TIME ZONE 'UTC')::date
        THEN greatest(s.current, 1)
      WHEN s.current > 0 THEN s.current + 1
      ELSE 1 END),
    protections = CASE
      WHEN (s.last_activity_at AT TIME ZONE 'UTC')::date < (v_at AT TIME ZONE 'UTC')::date
        AND s.current > 0 AND (s.current + 1) % 7 = 0
        THEN least(2, s.protections + 1)
      ELSE s.protections END,
    last_activity_at = greatest(s.last_activity_at, v_at);

  FOREACH v_user IN ARRAY v_recipients LOOP
    PERFORM 1 FROM thanks_cooldowns
    WHERE chat_id = v_chat AND from_user = v_author AND to_user = v_user
      AND last_at > v_at - (r->>'cooldown_min')::int * interval '1 minute';
    CONTINUE WHEN FOUND;
    v_pay := award_pay((r->>'per_thanks')::int, v_hundredths, v_chat, v_user, v_at, v_window,
                       v_reasons, v_max);
    INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
    VALUES (v_chat, v_user, v_pay, 'thanks', v_source, v_at)
    ON CONFLICT (chat_id, user_id, reason, source) DO NOTHING;
    CONTINUE WHEN NOT FOUND;
    UPDATE members SET xp = xp + v_pay, thanks_received = thanks_received + 1, updated_at = now()
    WHERE chat_id = v_chat AND user_id = v_user;
    INSERT INTO thanks_cooldowns (chat_id, from_user, to_user, last_at)
    VALUES (v_chat, v_author, v_user, v_at)
    ON CONFLICT (chat_id, from_user, to_user)
    DO UPDATE SET last_at = greatest(thanks_cooldowns.last_at, EXCLUDED.last_at);
    v_thanked := v_thanked || jsonb_build_array(jsonb_build_object('userId', v_user, 'amount', v_pay));
  END LOOP;
  RETURN jsonb_build_object('author', v_author_pay, 'duplicate', false, 'thanked', v_thanked);
END
$$;

-- As in 0019: one outcome per message, in order; the plain messages of members with one message
-- in the batch paid by one set-based statement, the rest one at a time by `award_message`.
CREATE OR REPLACE FUNCTION award_messages(ms jsonb, r jsonb) RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_window interval := (r->>'window_s')::int * interval '1 second';
  v_reasons text[] := ARRAY(SELECT jsonb_array_elements_text(r->'reasons'));
  v_max int := (r->>'max_per_minute')::int;
  v_chats bigint[];
  v_users bigint[];
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
  -- Every member of the batch known by id (authors, those thanked by id), as key pairs.
  SELECT array_agg(k.chat_id), array_agg(k.user_id) INTO v_chats, v_users
  FROM (
    SELECT x.chat AS chat_id, u.user_id
    FROM ROWS FROM (jsonb_to_recordset(ms) AS (chat bigint, users jsonb)) x(chat, users),
         ROWS FROM (jsonb_to_recordset(x.users) AS (user_id bigint)) u(user_id)
  ) k;
  -- Those not yet members become members (as their first mention in the batch says). The check
  -- probes the primary key per pair (OFFSET 0: as an anti-join, the planner may hash every
  -- member); the insert, rarely needed, reads the batch again.
  IF EXISTS (
    SELECT 1 FROM unnest(v_chats, v_users) AS k(c, u)
    LEFT JOIN LATERAL (
      SELECT true AS found FROM members e WHERE e.chat_id = k.c AND e.user_id = k.u OFFSET 0
    ) e ON true
    WHERE e.found IS NULL
  ) THEN
    INSERT INTO members (chat_id, user_id, display_name, username, is_bot, next_level_xp, started_bot)
    SELECT DISTINCT ON (x.chat, u.user_id) x.chat, u.user_id, u.name, u.username, u.is_bot,
           (SELECT min_xp FROM levels WHERE number = 2),
           EXISTS (SELECT 1 FROM bot_users b WHERE b.user_id = u.user_id)
    FROM ROWS FROM (jsonb_to_recordset(ms) AS (chat bigint, users jsonb)) WITH ORDINALITY x(chat, users, n),
         ROWS FROM (jsonb_to_recordset(x.users) AS (user_id bigint, name text, username text, is_bot boolean))
         WITH ORDINALITY u(user_id, name, username, is_bot, k)
    ORDER BY x.chat, u.user_id, x.n, u.k
    ON CONFLICT (chat_id, user_id) DO NOTHING;
  END IF;
  -- Those thanked by @username (members already, or made just now).
  IF jsonb_path_exists(ms, '$[*].usernames[0]') THEN
    SELECT v_chats || array_agg(n.chat_id), v_users || array_agg(n.user_id)
    INTO v_chats, v_users
    FROM ROWS FROM (jsonb_to_recordset(ms) AS (chat bigint, usernames jsonb)) x(chat, usernames),
         jsonb_array_elements_text(x.usernames) w
    JOIN LATERAL (
      -- OFFSET 0 keeps this a probe of members_username per name: joined, the planner hashed
      -- a sequential scan of every member (the jsonb functions are estimated at 100 rows each).
      SELECT n.chat_id, n.user_id FROM members n
      WHERE n.chat_id = x.chat AND lower(n.username) = w.value
      OFFSET 0
    ) n ON true;
  END IF;
  -- The serialisation of awards: every member of the batch locked before any award, in key
  -- order, by one primary-key probe each (`= ANY` on both key columns let the planner read
  -- whole chats through another index).
  PERFORM 1
  FROM (SELECT DISTINCT k.c, k.u FROM unnest(v_chats, v_users) AS k(c, u) ORDER BY k.c, k.u) k
  CROSS JOIN LATERAL (
    SELECT 1 FROM members mm WHERE mm.chat_id = k.c AND mm.user_id = k.u FOR UPDATE
  ) locked;

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

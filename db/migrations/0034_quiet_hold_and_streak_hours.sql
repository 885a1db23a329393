-- A message that must keep a group's quiet hours (a streak reminder: the group whose streak it
-- is) names that group, and the zone to read them in when the group has none of its own. Its
-- claim holds it until they end, on whichever replica claims (bot/outbox_claim.ts): queued just
-- before them, a slow outbox no longer sends it inside them.
ALTER TABLE outbox ADD COLUMN quiet_chat_id bigint, ADD COLUMN quiet_zone text;

-- When the quiet hours of `chat` (local [quiet_start, quiet_end) in its zone, else `fallback`)
-- that `at` falls in end; null when `at` is outside them (or the chat keeps none: start = end).
-- The end is the first of today's and tomorrow's local end after `at`: a local time a DST change
-- skips is read after the gap, one it repeats as its later instant, so it is never before `at`.
CREATE FUNCTION quiet_until(chat bigint, fallback text, at timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
  SELECT min(v.e)
  FROM (
    SELECT c.quiet_start AS s, c.quiet_end AS q, coalesce(c.time_zone, fallback) AS z,
           at AT TIME ZONE coalesce(c.time_zone, fallback) AS l
    FROM chats c WHERE c.chat_id = chat
  ) x
  CROSS JOIN LATERAL (VALUES ((x.l::date + x.q) AT TIME ZONE x.z),
                             (((x.l::date + 1) + x.q) AT TIME ZONE x.z)) v (e)
  WHERE v.e > at AND CASE
    WHEN x.s < x.q THEN x.l::time >= x.s AND x.l::time < x.q
    WHEN x.s > x.q THEN x.l::time >= x.s OR x.l::time < x.q
    ELSE false END
$$;

-- When the quiet hours of `chat` next begin after `at` (null: it keeps none, or `at` is in
-- them): a batch claimed before them sends nothing of it once they began (bot/delivery.ts).
CREATE FUNCTION quiet_from(chat bigint, fallback text, at timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
  SELECT min(v.b)
  FROM (
    SELECT c.quiet_start AS s, c.quiet_end AS q, coalesce(c.time_zone, fallback) AS z,
           at AT TIME ZONE coalesce(c.time_zone, fallback) AS l
    FROM chats c WHERE c.chat_id = chat AND c.quiet_start <> c.quiet_end
  ) x
  CROSS JOIN LATERAL (VALUES ((x.l::date + x.s) AT TIME ZONE x.z),
                             (((x.l::date + 1) + x.s) AT TIME ZONE x.z)) v (b)
  WHERE v.b > at AND quiet_until(chat, fallback, at) IS NULL
$$;

-- A protection spent pushes a streak's deadline 24 h per missed day (as streakAsOf in
-- domain/activity.ts and streak-expiry): `interval '1 day'` is a calendar day of the session's
-- TimeZone, 23 or 25 h across DST on a server whose default zone is not UTC.
CREATE OR REPLACE FUNCTION streak_deadline_kept() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_deadline timestamptz := greatest(OLD.last_activity_at + interval '48 hours', OLD.protected_until);
  v_days int := ceil(extract(epoch FROM (NEW.last_activity_at - v_deadline)) / 86400)::int;
BEGIN
  IF OLD.current = 0 OR coalesce(current_setting('warden.merging', true), '') = 'on' THEN
    RETURN NEW;
  END IF;
  IF OLD.protections >= v_days THEN
    NEW.protections := greatest(0, NEW.protections - v_days);
    NEW.protected_until := v_deadline + v_days * interval '24 hours';
  ELSE
    NEW.current := 1;
    NEW.best := greatest(OLD.best, 1);
    NEW.protections := 0;
    NEW.protected_until := NULL;
    INSERT INTO events (kind, chat_id, user_id, job, payload, dedupe_key)
    VALUES ('streak_broken', OLD.chat_id, OLD.user_id, 'streak-expiry',
            json_build_object('length', OLD.current, 'lastActivityAt', OLD.last_activity_at,
                              'returnedAt', NEW.last_activity_at),
            'streak_broken:' || OLD.chat_id || ':' || OLD.user_id || ':'
              || extract(epoch FROM OLD.last_activity_at)::bigint)
    ON CONFLICT (dedupe_key) DO NOTHING;
  END IF;
  RETURN NEW;
END
$$;

-- A member who came back after their streak's deadline, before `streak-expiry` ran, had the
-- streak start again at 1 (0022) with no `streak_broken` event and no message: the break
-- showed nowhere, not in the daily report, not to the member. The trigger now records it,
-- as the job would have: a `streak_broken` event of job `streak-expiry`, with the same
-- payload and dedupe key, plus `returnedAt`, and no slot. The job's next run (the first whose
-- slot is not before the return) stamps it with its slot and queues the member's message
-- (domain/streak_expiry.ts), so the break counts in that run and is said once.
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
    NEW.protected_until := v_deadline + v_days * interval '1 day';
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

-- What `streak-expiry` looks for on each run: the breaks not yet stamped (few, and short-lived).
CREATE INDEX events_streak_broken_unslotted ON events (id)
  WHERE kind = 'streak_broken' AND slot IS NULL;

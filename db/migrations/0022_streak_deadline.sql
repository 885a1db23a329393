-- A streak breaks 48 h after the last activity (or when its protection ends, if later), but
-- `streak-expiry` writes that only at 00:00 UTC. A member who came back between the deadline and
-- that run had the streak continue (10 → 11 after 70 idle hours). Whoever moves a streak's last
-- activity past its deadline (a group message, a quiz: award_message(s), recordActivity) now
-- meets the rule first, as the job would have applied it at that instant: one protection spent
-- per missed day, each pushing the deadline a day (the day becomes one more of the streak), or,
-- without enough, the streak starts again at 1 (the best stays). No `streak_broken` event or
-- message is written for such a break: the member is back, and `/streak` says where it stands.
-- The rule in TypeScript, for what is read before anyone writes: `streakAsOf`, domain/activity.ts.
-- A chat merge (domain/chat_merge.ts) sets `warden.merging`: it combines two streaks, it does
-- not continue one.
CREATE FUNCTION streak_deadline_kept() RETURNS trigger LANGUAGE plpgsql AS $$
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
  END IF;
  RETURN NEW;
END
$$;

-- The WHEN keeps the function off the path of every message within its deadline.
CREATE TRIGGER streaks_deadline BEFORE UPDATE OF last_activity_at ON streaks FOR EACH ROW
  WHEN (NEW.last_activity_at > greatest(OLD.last_activity_at + interval '48 hours', OLD.protected_until))
  EXECUTE FUNCTION streak_deadline_kept();

-- Operator tools: admins move XP with a reason (ledger rows carry who and why), every admin
-- action is audited, and the outbox's settled rows can be counted, retried or discarded.

-- Who moved XP by hand and the reason they gave; NULL on every automatic award.
ALTER TABLE xp_ledger ADD COLUMN author text, ADD COLUMN note text;

-- The audit trail of admin actions: give/take/reset XP, outbox retry/discard, settings.
CREATE TABLE admin_actions (
  id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at      timestamptz NOT NULL DEFAULT now(),
  author  text NOT NULL,
  action  text NOT NULL,
  chat_id bigint,
  user_id bigint,
  detail  jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX admin_actions_member ON admin_actions (chat_id, user_id, at DESC);

-- When a row last left 'sending' or otherwise changed state (sent, dropped, failed, expired,
-- discarded, or back to pending after a failed try): what the per-hour/day counts read. Set by
-- the trigger, so every writer of the state (claim, settle, expiry, admin) keeps it right.
ALTER TABLE outbox ADD COLUMN settled_at timestamptz;

CREATE FUNCTION outbox_settled_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.state IS DISTINCT FROM OLD.state AND NEW.state <> 'sending' THEN
    NEW.settled_at := now();
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER outbox_settled_at BEFORE UPDATE OF state ON outbox
  FOR EACH ROW EXECUTE FUNCTION outbox_settled_at();

-- An operator gave up on a row for good.
ALTER TABLE outbox DROP CONSTRAINT outbox_state_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_state_check
  CHECK (state IN ('pending', 'sending', 'sent', 'dropped', 'failed', 'expired', 'discarded'));

-- retention-cleanup forgets discarded rows like dropped ones: its range scan needs them in the
-- index's predicate (domain/retention.ts lists the same states).
DROP INDEX outbox_finished;
CREATE INDEX outbox_finished ON outbox ((coalesce(sent_at, created_at)))
  WHERE state IN ('sent', 'dropped', 'failed', 'expired', 'discarded');

-- The dashboard's "problem rows", newest first, and the settled counts per hour and day.
CREATE INDEX outbox_problems ON outbox (id DESC) WHERE state IN ('dropped', 'failed', 'expired');
CREATE INDEX outbox_settled ON outbox (settled_at) WHERE settled_at IS NOT NULL;

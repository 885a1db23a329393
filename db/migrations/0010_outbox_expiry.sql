-- Notifications carry an expiry: one still waiting past it is dropped as 'expired' rather than
-- sent late (a level-up DM days after the fact, a backlog flushed when the bot token arrives).
-- Every notification gets a day unless its writer says otherwise (admin alerts: never).
ALTER TABLE outbox ADD COLUMN expires_at timestamptz DEFAULT now() + interval '24 hours';
ALTER TABLE outbox DROP CONSTRAINT outbox_state_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_state_check
  CHECK (state IN ('pending', 'sending', 'sent', 'dropped', 'failed', 'expired'));

-- Every delivery claim first holds the waiting rows that keep a group's quiet hours (the `hush`
-- step of claimDue, bot/outbox_claim.ts). Without an index of its own that step read every due
-- row of the backlog on every claim, to find the few (streak reminders) that keep them.
CREATE INDEX outbox_quiet ON outbox (due_at) WHERE quiet_chat_id IS NOT NULL AND state IN ('pending', 'sending');

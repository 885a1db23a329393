-- Outbox claims carry a token: a batch renews, settles and hands back only the rows it still
-- holds (claimed_by = its token AND state = 'sending'), never rows another replica re-claimed.

ALTER TABLE outbox ADD COLUMN claimed_by text;

-- Which chats another replica is sending to right now (few rows: only those in flight).
CREATE INDEX outbox_sending ON outbox (chat_id, lease_until) WHERE state = 'sending';

-- Telegram's global sending limit (about 30 messages a second for the whole bot) is the bot's,
-- not a replica's: two replicas delivering at once each kept it alone, together twice over.
-- A ring of places shared by every replica, one per message the limit lets out in a second: a
-- send takes a place last used more than a second ago, so no second holds more sends than there
-- are places (bot/outbox_pace.ts; places past the limit are left unused, missing ones added).
CREATE TABLE outbox_pace (
  slot int PRIMARY KEY CHECK (slot >= 1),
  sent_at timestamptz NOT NULL DEFAULT '-infinity'
);
CREATE INDEX outbox_pace_free ON outbox_pace (sent_at, slot);
INSERT INTO outbox_pace (slot) SELECT generate_series(1, 30);

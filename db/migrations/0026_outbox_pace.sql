-- Telegram's global sending limit (about 30 messages a second for the whole bot) is the bot's,
-- not a replica's: two replicas delivering at once each kept it alone, together twice over.
-- The times the last sends left, shared by every replica: a send goes only once fewer than the
-- limit left within the last second (bot/outbox_pace.ts). One row, updated under its row lock.
CREATE TABLE outbox_pace (
  id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  sent timestamptz[] NOT NULL DEFAULT '{}'
);
INSERT INTO outbox_pace DEFAULT VALUES;

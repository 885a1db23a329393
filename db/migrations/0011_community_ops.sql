-- Community operations (issue 14): per-chat settings the reminder and report jobs read, the
-- member's Telegram language, and the community-metrics snapshots.

-- Per-chat settings; NULL means "the default": the language of each member (else English), the
-- zone REPORT_TIMEZONE, no report chat. Quiet hours are local [start, end); start = end: none.
ALTER TABLE chats
  ADD COLUMN language       text CHECK (language IN ('en', 'es')),
  ADD COLUMN time_zone      text,
  ADD COLUMN quiet_start    time NOT NULL DEFAULT '23:00',
  ADD COLUMN quiet_end      time NOT NULL DEFAULT '08:00',
  ADD COLUMN report_chat_id bigint;

-- Telegram's language_code of the member's latest message (e.g. 'es', 'pt-br').
ALTER TABLE members ADD COLUMN language_code text;

-- streak-reminders finds the streaks ending soon by two index ranges: 48 h after the last
-- activity (streaks_active) or the end of a spent protection (this one).
CREATE INDEX streaks_protected ON streaks (protected_until) WHERE current > 0 AND protected_until IS NOT NULL;

-- One snapshot per chat and community-metrics run: gauges at the slot, counters over the 24 h
-- before it.
CREATE TABLE chat_metrics (
  chat_id        bigint NOT NULL,
  at             timestamptz NOT NULL,
  active_24h     int NOT NULL,
  active_7d      int NOT NULL,
  messages_24h   int NOT NULL,
  xp_24h         bigint NOT NULL,
  level_ups_24h  int NOT NULL,
  badges_24h     int NOT NULL,
  streaks_alive  int NOT NULL,
  outbox_backlog int NOT NULL,
  PRIMARY KEY (chat_id, at)
);
CREATE INDEX chat_metrics_at ON chat_metrics (at);

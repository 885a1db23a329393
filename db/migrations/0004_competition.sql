-- Leaderboards (the cached top 100 of each current board, and the archive of closed
-- periods) and badges (definitions as data, and who earned what, once).

CREATE INDEX xp_ledger_time ON xp_ledger (created_at);

CREATE TABLE leaderboard_entries (
  chat_id      bigint NOT NULL,
  period       text NOT NULL CHECK (period IN ('all', 'month', 'week', 'day')),
  period_start timestamptz NOT NULL,
  position     int NOT NULL,
  rank         int NOT NULL,
  user_id      bigint NOT NULL,
  score        bigint NOT NULL,
  reached_at   timestamptz NOT NULL,
  computed_at  timestamptz NOT NULL,
  PRIMARY KEY (chat_id, period, period_start, position)
);

CREATE TABLE leaderboard_archive (
  chat_id      bigint NOT NULL,
  period       text NOT NULL CHECK (period IN ('month', 'week')),
  period_start timestamptz NOT NULL,
  position     int NOT NULL,
  rank         int NOT NULL,
  user_id      bigint NOT NULL,
  score        bigint NOT NULL,
  reached_at   timestamptz NOT NULL,
  archived_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chat_id, period, period_start, position)
);

CREATE TABLE badges (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  emoji       text NOT NULL,
  description text NOT NULL,
  metric      text NOT NULL,
  threshold   int NOT NULL CHECK (threshold > 0),
  bonus_xp    int NOT NULL DEFAULT 0 CHECK (bonus_xp >= 0),
  unit        text NOT NULL,
  category    text NOT NULL
);

CREATE TABLE member_badges (
  chat_id    bigint NOT NULL,
  user_id    bigint NOT NULL,
  badge_id   text NOT NULL REFERENCES badges (id),
  awarded_at timestamptz NOT NULL,
  PRIMARY KEY (chat_id, user_id, badge_id),
  FOREIGN KEY (chat_id, user_id) REFERENCES members (chat_id, user_id) ON UPDATE CASCADE
);

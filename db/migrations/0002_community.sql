-- The community: chats, members with their XP balance and counters, the append-only XP
-- ledger, the levels table (materialised from LEVEL_FORMULA at start), streaks, lives,
-- quiz sessions, domain events, and the transactional outbox of notifications.

CREATE TABLE chats (
  chat_id    bigint PRIMARY KEY,
  title      text NOT NULL DEFAULT '',
  kind       text NOT NULL DEFAULT 'group' CHECK (kind IN ('group', 'supergroup', 'private', 'channel')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE levels (
  number   int PRIMARY KEY CHECK (number >= 1),
  name     text NOT NULL,
  min_xp   bigint NOT NULL CHECK (min_xp >= 0),
  benefits text
);
CREATE UNIQUE INDEX levels_min_xp ON levels (min_xp);

CREATE TABLE members (
  chat_id          bigint NOT NULL REFERENCES chats (chat_id) ON UPDATE CASCADE,
  user_id          bigint NOT NULL,
  display_name     text NOT NULL DEFAULT '',
  username         text,
  is_bot           boolean NOT NULL DEFAULT false,
  started_bot      boolean NOT NULL DEFAULT false,
  unreachable      boolean NOT NULL DEFAULT false,
  xp               bigint NOT NULL DEFAULT 0 CHECK (xp >= 0),
  level            int NOT NULL DEFAULT 1,
  -- The XP at which the next level starts; NULL at the level cap. Kept in step with `levels`.
  next_level_xp    bigint,
  messages_count   int NOT NULL DEFAULT 0,
  links_shared     int NOT NULL DEFAULT 0,
  thanks_received  int NOT NULL DEFAULT 0,
  last_activity_at timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chat_id, user_id)
);
-- Members owed a level-up, in key order: what `level-ups` walks in keyset batches.
CREATE INDEX members_level_due ON members (chat_id, user_id) WHERE xp >= next_level_xp;
CREATE INDEX members_username ON members (chat_id, lower(username));

CREATE TABLE xp_ledger (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  chat_id    bigint NOT NULL,
  user_id    bigint NOT NULL,
  amount     int NOT NULL,
  reason     text NOT NULL,
  -- What the award is bound to (a message, a badge, a seed grant), so it is paid once.
  source     text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (chat_id, user_id, reason, source)
);
CREATE INDEX xp_ledger_chat_time ON xp_ledger (chat_id, created_at);

CREATE TABLE streaks (
  chat_id          bigint NOT NULL,
  user_id          bigint NOT NULL,
  current          int NOT NULL DEFAULT 0 CHECK (current >= 0),
  best             int NOT NULL DEFAULT 0,
  last_activity_at timestamptz NOT NULL,
  protections      int NOT NULL DEFAULT 0 CHECK (protections BETWEEN 0 AND 2),
  -- A spent protection keeps the streak alive until this time.
  protected_until  timestamptz,
  PRIMARY KEY (chat_id, user_id),
  FOREIGN KEY (chat_id, user_id) REFERENCES members (chat_id, user_id) ON UPDATE CASCADE
);
CREATE INDEX streaks_active ON streaks (last_activity_at) WHERE current > 0;

CREATE TABLE lives (
  chat_id        bigint NOT NULL,
  user_id        bigint NOT NULL,
  current        int NOT NULL CHECK (current >= 0),
  max            int NOT NULL DEFAULT 5,
  -- Regeneration is owed in whole periods counted from here.
  last_refill_at timestamptz NOT NULL,
  PRIMARY KEY (chat_id, user_id),
  FOREIGN KEY (chat_id, user_id) REFERENCES members (chat_id, user_id) ON UPDATE CASCADE
);
CREATE INDEX lives_below_max ON lives (last_refill_at) WHERE current < max;

CREATE TABLE quiz_sessions (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  chat_id      bigint NOT NULL,
  user_id      bigint NOT NULL,
  status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'expired')),
  started_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  completed_at timestamptz,
  FOREIGN KEY (chat_id, user_id) REFERENCES members (chat_id, user_id) ON UPDATE CASCADE
);
CREATE INDEX quiz_sessions_open ON quiz_sessions (expires_at, id) WHERE status = 'active';

CREATE TABLE events (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind       text NOT NULL,
  chat_id    bigint NOT NULL,
  user_id    bigint,
  job        text,
  -- The slot of the run that produced it: what a per-run digest groups by.
  slot       timestamptz,
  payload    jsonb NOT NULL DEFAULT '{}',
  dedupe_key text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_run ON events (job, slot, kind);

CREATE TABLE outbox (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  chat_id     bigint NOT NULL,
  text        text NOT NULL,
  dedupe_key  text NOT NULL UNIQUE,
  due_at      timestamptz NOT NULL DEFAULT now(),
  state       text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'dropped', 'failed')),
  attempts    int NOT NULL DEFAULT 0,
  lease_until timestamptz,
  last_error  text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  sent_at     timestamptz
);
CREATE INDEX outbox_due ON outbox (due_at, id) WHERE state IN ('pending', 'sending');

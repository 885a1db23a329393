-- The bot's memory: who thanked whom last (the per-pair cooldown) and which replica polls.

CREATE TABLE thanks_cooldowns (
  chat_id   bigint NOT NULL,
  from_user bigint NOT NULL,
  to_user   bigint NOT NULL,
  last_at   timestamptz NOT NULL,
  PRIMARY KEY (chat_id, from_user, to_user)
);

-- One row: the replica that long-polls Telegram holds it while its lease runs.
CREATE TABLE bot_poller_lease (
  id        int PRIMARY KEY CHECK (id = 1),
  node      text NOT NULL,
  expires_at timestamptz NOT NULL
);

-- Who started the bot in private (so may get private messages), even before they chatted.
CREATE TABLE bot_users (
  user_id    bigint PRIMARY KEY,
  started_at timestamptz NOT NULL DEFAULT now()
);

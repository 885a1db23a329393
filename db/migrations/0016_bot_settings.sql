-- The bot as admins configure it (issue 17): per-chat XP multiplier, forum topics that pay no
-- XP, how level-ups are announced; members who hide from the boards; and who is a chat admin,
-- as Telegram said when last asked (a cache every replica shares).

ALTER TABLE chats
  ADD COLUMN xp_multiplier numeric(4, 2) NOT NULL DEFAULT 1
    CHECK (xp_multiplier >= 0 AND xp_multiplier <= 10),
  -- message_thread_id of the forum topics where messages pay no XP
  ADD COLUMN no_xp_topics int[] NOT NULL DEFAULT '{}',
  -- 'group': a digest in the group and a private message to each member who started the bot
  -- (the behaviour so far); 'private': the private messages only; 'off': nothing
  ADD COLUMN level_up_announcements text NOT NULL DEFAULT 'group'
    CHECK (level_up_announcements IN ('group', 'private', 'off'));

-- A member who said /hide: left off every board of that chat (still earning XP).
ALTER TABLE members ADD COLUMN hidden boolean NOT NULL DEFAULT false;

-- getChatMember's answer, cached: admin commands check it before acting.
CREATE TABLE chat_admins (
  chat_id    bigint NOT NULL,
  user_id    bigint NOT NULL,
  is_admin   boolean NOT NULL,
  checked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chat_id, user_id)
);

-- A quiz that spends lives (seed 002, issue 17): a session is started by `/quiz` in Telegram or
-- by an external quiz app through the API; it costs one life, lasts 10 minutes and, completed in
-- time, pays XP once through the ledger (reason 'quiz', source 'quiz:<session id>').

ALTER TABLE quiz_sessions
  -- who drives it: the bot's polls, or an external app that reports its own score
  ADD COLUMN origin   text NOT NULL DEFAULT 'api' CHECK (origin IN ('telegram', 'api')),
  -- the language its questions are asked in (the bot's sessions)
  ADD COLUMN language text,
  -- the question bank ids asked, in order (the bot's sessions)
  ADD COLUMN questions int[] NOT NULL DEFAULT '{}',
  -- the result, written once when the session completes
  ADD COLUMN correct  int CHECK (correct >= 0),
  ADD COLUMN total    int CHECK (total > 0 AND correct <= total),
  ADD COLUMN xp       int CHECK (xp >= 0);

-- The bot finds a member's running session by member.
CREATE INDEX quiz_sessions_member_open ON quiz_sessions (user_id, expires_at)
  WHERE status = 'active';

-- Every native Telegram quiz poll the bot sent for a session, one per question; a poll is
-- answered once (a redelivered `poll_answer` finds `chosen_option` already set).
CREATE TABLE quiz_polls (
  poll_id        text PRIMARY KEY,
  session_id     bigint NOT NULL REFERENCES quiz_sessions (id) ON DELETE CASCADE,
  position       int NOT NULL CHECK (position >= 0),
  question_id    int NOT NULL,
  correct_option int NOT NULL CHECK (correct_option >= 0),
  chosen_option  int CHECK (chosen_option >= 0),
  answered_at    timestamptz,
  UNIQUE (session_id, position)
);

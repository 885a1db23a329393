-- The dilemma cases of seed 001 (issue 15): a case with its options and a verdict committed
-- before it goes live, where it was posted, votes, arguments and their 👍, rewards and their
-- settlement, members' wallets, and the chats that take part.

ALTER TABLE chats ADD COLUMN cases_enabled boolean NOT NULL DEFAULT false;

CREATE TABLE cases (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source       text NOT NULL CHECK (source IN ('bank', 'openai', 'member')),
  -- The bank entry or the provider's answer it came from: a bank entry is used once.
  source_key   text NOT NULL UNIQUE,
  -- Texts per language, { "en": "…", "es": "…" }: each chat reads the case in its own.
  title        jsonb NOT NULL,
  body         jsonb NOT NULL,
  -- [{ "id": "a", "label": { "en": "…", "es": "…" } }, …], at least two.
  options      jsonb NOT NULL CHECK (jsonb_array_length(options) >= 2),
  -- Hidden until closed: the option the provider judged right, why, and the salt of the hash.
  verdict      text NOT NULL,
  reasoning    jsonb NOT NULL,
  salt         text NOT NULL,
  -- hex sha256(verdict ‖ salt), published with the case.
  commitment   text NOT NULL,
  -- The member who proposed it, and the chat they proposed it from (where their reward goes).
  creator_id   bigint,
  creator_chat bigint,
  -- The case-generation slot that made it: one case per slot, whichever replica runs it.
  slot         timestamptz UNIQUE,
  status       text NOT NULL DEFAULT 'open' CHECK (status IN ('pending', 'open', 'closed', 'rejected')),
  opens_at     timestamptz NOT NULL,
  closes_at    timestamptz NOT NULL,
  closed_at    timestamptz,
  participants int,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cases_due ON cases (closes_at) WHERE status = 'open';

-- A failed provider answer, kept for the operator; the slot's run retries.
CREATE TABLE case_attempts (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  provider   text NOT NULL,
  slot       timestamptz,
  error      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE case_votes (
  case_id  bigint NOT NULL REFERENCES cases (id),
  user_id  bigint NOT NULL,
  chat_id  bigint NOT NULL,
  option   text NOT NULL,
  voted_at timestamptz NOT NULL,
  PRIMARY KEY (case_id, user_id)
);

-- A reply to a case's post is an argument; its votes are members' 👍 reactions.
CREATE TABLE case_arguments (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id    bigint NOT NULL REFERENCES cases (id),
  chat_id    bigint NOT NULL,
  message_id bigint NOT NULL,
  user_id    bigint NOT NULL,
  text       text NOT NULL,
  posted_at  timestamptz NOT NULL,
  votes      int NOT NULL DEFAULT 0,
  rank       int CHECK (rank BETWEEN 1 AND 3),
  UNIQUE (chat_id, message_id)
);
CREATE INDEX case_arguments_case ON case_arguments (case_id, votes DESC, posted_at, id);

CREATE TABLE argument_votes (
  argument_id bigint NOT NULL REFERENCES case_arguments (id),
  user_id     bigint NOT NULL,
  PRIMARY KEY (argument_id, user_id)
);

CREATE TABLE wallets (
  user_id   bigint PRIMARY KEY,
  address   text NOT NULL,
  linked_at timestamptz NOT NULL DEFAULT now()
);

-- One row per reward, written with the closure: paid once (the key), settled by its rail.
CREATE TABLE case_rewards (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id     bigint NOT NULL REFERENCES cases (id),
  user_id     bigint NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('voter', 'argument', 'participant', 'creator')),
  -- An argument reward's rank (one member may hold two top arguments); 0 for the others.
  rank        int NOT NULL DEFAULT 0 CHECK (rank BETWEEN 0 AND 3),
  amount      int NOT NULL CHECK (amount > 0),
  -- Where the XP is credited on settlement: the chat the member took part from.
  chat_id     bigint NOT NULL,
  rail        text NOT NULL CHECK (rail IN ('xp', 'evm')),
  state       text NOT NULL DEFAULT 'processing' CHECK (state IN ('processing', 'completed', 'failed')),
  tx_hash     text,
  attempts    int NOT NULL DEFAULT 0,
  last_error  text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  settled_at  timestamptz,
  UNIQUE (case_id, user_id, kind, rank)
);
CREATE INDEX case_rewards_processing ON case_rewards (created_at, id) WHERE state = 'processing';

-- Commitment anchors on chain (the evm rail): one per case.
CREATE TABLE case_anchors (
  case_id    bigint PRIMARY KEY REFERENCES cases (id),
  tx_hash    text,
  state      text NOT NULL DEFAULT 'processing' CHECK (state IN ('processing', 'completed', 'failed', 'mismatch')),
  attempts   int NOT NULL DEFAULT 0,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  checked_at timestamptz
);

-- Sends that need more than text: the case post carries its vote keyboard, and its message id
-- (known once sent) tells a reply to the case from any other message.
ALTER TABLE outbox ADD COLUMN reply_markup jsonb, ADD COLUMN sent_message_id bigint;
CREATE INDEX outbox_sent_message ON outbox (chat_id, sent_message_id) WHERE sent_message_id IS NOT NULL;

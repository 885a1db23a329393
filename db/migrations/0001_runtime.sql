-- The runtime's memory: run history (one row per run, and the slot claims), pause state,
-- and counters of lost claims and skipped ticks.

CREATE TABLE job_runs (
  id               uuid PRIMARY KEY,
  job              text NOT NULL,
  scheduled_for    timestamptz NOT NULL,
  trigger          text NOT NULL CHECK (trigger IN ('cron', 'manual', 'catch-up', 'retry')),
  node             text NOT NULL,
  outcome          text NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed', 'abandoned', 'skipped')),
  attempt          int NOT NULL DEFAULT 1,
  started_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  lease_expires_at timestamptz,
  result           jsonb,
  error            text
);

-- One claim per slot across replicas: only scheduled runs contend; manual runs and retries
-- have rows of their own.
CREATE UNIQUE INDEX job_runs_slot ON job_runs (job, scheduled_for) WHERE trigger IN ('cron', 'catch-up');
CREATE INDEX job_runs_history ON job_runs (job, started_at DESC);
CREATE INDEX job_runs_leases ON job_runs (lease_expires_at) WHERE outcome = 'running';

CREATE TABLE job_state (
  job        text PRIMARY KEY,
  paused     boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE job_counters (
  job     text NOT NULL,
  node    text NOT NULL,
  counter text NOT NULL CHECK (counter IN ('lost_claims', 'overlap_skips', 'paused_skips')),
  value   int8 NOT NULL DEFAULT 0,
  PRIMARY KEY (job, node, counter)
);

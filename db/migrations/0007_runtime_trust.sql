-- Trust across replicas.
-- A scheduled slot whose run was abandoned is run again once: the retry names the run it
-- replaces, and only one replica can write that row.
ALTER TABLE job_runs ADD COLUMN retry_of uuid;
CREATE UNIQUE INDEX job_runs_retry_of ON job_runs (retry_of) WHERE retry_of IS NOT NULL;
CREATE INDEX job_runs_abandoned ON job_runs (job, scheduled_for)
  WHERE outcome = 'abandoned' AND trigger IN ('cron', 'catch-up');

-- Incidents: a job given up (or, later, stale or failing) opens one; at most one is open per
-- job and reason, so every replica that sees the same trouble writes one row and one alert.
CREATE TABLE incidents (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job        text NOT NULL,
  reason     text NOT NULL,
  detail     text NOT NULL DEFAULT '',
  opened_at  timestamptz NOT NULL DEFAULT now(),
  closed_at  timestamptz
);
CREATE UNIQUE INDEX incidents_open ON incidents (job, reason) WHERE closed_at IS NULL;
CREATE INDEX incidents_recent ON incidents (opened_at DESC);

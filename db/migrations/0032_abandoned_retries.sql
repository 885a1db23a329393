-- An abandoned retry of a scheduled slot is run again too (within its job's attempts): the
-- control pass's look-up of abandoned runs covers retries, so its index does.
DROP INDEX IF EXISTS job_runs_abandoned;
CREATE INDEX job_runs_abandoned ON job_runs (job, scheduled_for) WHERE outcome = 'abandoned';

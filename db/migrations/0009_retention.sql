-- retention-cleanup deletes the oldest finished rows in bounded batches: each batch is an index
-- range scan from the oldest row, never a scan of the table.
CREATE INDEX outbox_finished ON outbox ((coalesce(sent_at, created_at)))
  WHERE state IN ('sent', 'dropped', 'failed', 'expired');
CREATE INDEX job_runs_finished ON job_runs (finished_at) WHERE outcome <> 'running';
CREATE INDEX events_created ON events (created_at);
CREATE INDEX quiz_sessions_finished ON quiz_sessions ((coalesce(completed_at, expires_at)))
  WHERE status <> 'active';

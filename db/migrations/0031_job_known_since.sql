-- When the cluster first knew a job: the start of the first replica that ran an actor for it
-- (`RunStore.register`). A job that never succeeded is stale counted from then, not from the
-- cluster's first run: a job new to an old cluster is not stale at once. NULL for a job no
-- replica has registered since this column came (its stale counts from the cluster's first run).
ALTER TABLE job_state ADD COLUMN known_since timestamptz;

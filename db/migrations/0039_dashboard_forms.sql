-- The dashboard's Run now forms already sent: each rendered form carries a one-time id, and a
-- second send of it (a double click, a resend after a lost answer, the page posted to the other
-- replica) finds its row here and queues nothing. A row is kept a day; `retention-cleanup`
-- deletes it after.
CREATE TABLE dashboard_forms (
  form_id    uuid PRIMARY KEY,
  job        text NOT NULL,
  run_id     uuid,
  expires_at timestamptz NOT NULL
);
CREATE INDEX dashboard_forms_expiry ON dashboard_forms (expires_at);

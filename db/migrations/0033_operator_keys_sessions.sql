-- Operator surfaces: the one-time id of an XP move (a dashboard form's id, or an API client's
-- Idempotency-Key as `api:<key>`) is found by value across every member, so a key replayed on
-- another member is refused rather than moving XP again.
CREATE INDEX admin_actions_form ON admin_actions ((detail->>'form')) WHERE detail ? 'form';

-- Dashboard sessions signed out before their expiry: the cookie is stateless (signed), so a
-- sign-out records its nonce here and every replica refuses it. A row is needed only until the
-- session would have expired anyway; `retention-cleanup` deletes it after.
CREATE TABLE dashboard_revoked_sessions (
  nonce      text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX dashboard_revoked_sessions_expiry ON dashboard_revoked_sessions (expires_at);

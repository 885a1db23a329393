-- The per-minute cap reads a member's ledger rows around a message's date (domain/award.ts).
CREATE INDEX xp_ledger_member_time ON xp_ledger (chat_id, user_id, created_at);

-- The all-time board from the balances (issue 18): `members.xp` is the all-time total, so each
-- chat's top 100 is the first rows of this index, however long the ledger grows. Its predicate
-- is what every board leaves out (no XP, hidden, bots); the trailing user_id also serves the live
-- `/top` (domain/live_board.ts: `ORDER BY xp DESC, user_id`) without a sort.
-- Cost: one more index entry per award (`members.xp` moves on every award; such updates are not
-- HOT anyway, since `members_level_due`'s predicate reads xp).
CREATE INDEX members_board ON members (chat_id, xp DESC, user_id)
  WHERE xp > 0 AND NOT hidden AND NOT is_bot;

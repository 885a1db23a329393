-- The nine badges of seed 001 (issue 15) are data in domain/case_badges.ts, written at start
-- like the others; their metrics (domain/badge_metrics.ts) read the case tables per member, through these indexes.

-- A member's case activity in a chat (badge progress), and a range of chats (badge-check):
-- read through these instead of every vote and argument.
CREATE INDEX case_votes_member ON case_votes (chat_id, user_id);
CREATE INDEX case_arguments_member ON case_arguments (chat_id, user_id);

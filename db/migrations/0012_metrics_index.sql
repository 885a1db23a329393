-- community-metrics counts, per chat, ranges the existing indexes do not reach by chat: without
-- these, each run would read every member, badge and streak of each chat (a million-member chat:
-- a million heap rows every 15 min) and scan the outbox once per chat. Each is a range (or an
-- index-only count) inside one chat. The writes that touch these columns (a message moves
-- last_activity_at and xp, a send moves the outbox state) are not HOT updates already.
CREATE INDEX members_activity ON members (chat_id, last_activity_at);
CREATE INDEX member_badges_awarded ON member_badges (chat_id, awarded_at);
CREATE INDEX streaks_alive ON streaks (chat_id) WHERE current > 0;
CREATE INDEX outbox_backlog ON outbox (chat_id) WHERE state IN ('pending', 'sending');

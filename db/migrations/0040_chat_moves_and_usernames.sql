-- 1. A group upgraded to a supergroup is remembered (`chat_moves`, written by the merge,
--    domain/chat_merge.ts): a message of the old group that arrives after the merge (delivered
--    late, or again) is paid in the new chat, under the source the merge gave the old chat's
--    messages (`msg:<id>@<old id>`), so it follows the member's XP and is never paid twice.
CREATE TABLE chat_moves (
  from_chat bigint PRIMARY KEY,
  to_chat   bigint NOT NULL,
  moved_at  timestamptz NOT NULL DEFAULT now()
);

-- 2. A @username belongs to one account at a time: when a member is seen with one, another member
--    of the chat still stored with it (they changed theirs since and have not spoken) loses it,
--    so "thanks @ben" pays the one who is @ben now, not both. A member a chat merge brings in
--    (`warden.merging`, domain/chat_merge.ts) was seen in the old group, before anyone of the
--    supergroup: the name stays with the supergroup's member who holds it.
CREATE FUNCTION members_username_taken() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('warden.merging', true), '') = 'on' THEN
    UPDATE members SET username = NULL
    WHERE chat_id = NEW.chat_id AND user_id = NEW.user_id AND EXISTS (
      SELECT 1 FROM members o WHERE o.chat_id = NEW.chat_id
        AND lower(o.username) = lower(NEW.username) AND o.user_id <> NEW.user_id);
  ELSE
    UPDATE members SET username = NULL
    WHERE chat_id = NEW.chat_id AND lower(username) = lower(NEW.username)
      AND user_id <> NEW.user_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER members_username_insert AFTER INSERT ON members
  FOR EACH ROW WHEN (NEW.username IS NOT NULL) EXECUTE FUNCTION members_username_taken();
CREATE TRIGGER members_username_update AFTER UPDATE OF username ON members
  FOR EACH ROW WHEN (NEW.username IS NOT NULL AND NEW.username IS DISTINCT FROM OLD.username)
  EXECUTE FUNCTION members_username_taken();

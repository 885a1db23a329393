-- getChatMember's answer also says whether the user is in the chat at all: a case vote counts
-- only from the chat's members (bot/chat_members.ts). Cached with the admin answer it comes
-- with; a row from before this column (NULL) is asked again.
ALTER TABLE chat_admins ADD COLUMN is_member boolean;

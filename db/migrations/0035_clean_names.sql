-- Members' names as `displayName` (domain/xp_rules.ts) shows them, for the names stored before it
-- dropped bidi controls and trimmed invisible edges: until now such a name was cleaned only when
-- its member next posted. Set-based and idempotent: a clean name is left as it is.
--   bidi embeddings, overrides and isolates: dropped wherever they are;
--   at the edges: White_Space, Cf (format characters), U+034F, Hangul fillers, the Braille blank
--   (the code points JavaScript's \p{White_Space}\p{Cf} matched when this was written);
--   a name with nothing visible left reads as the username, else the id.
-- An empty name (none known yet) stays empty.
WITH cleaned AS (
  SELECT chat_id, user_id, username,
    regexp_replace(
      regexp_replace(display_name, '[\u202A-\u202E\u2066-\u2069]', '', 'g'),
      '^[\u0009-\u000D\u0020\u0085\u00A0\u00AD\u034F\u0600-\u0605\u061C\u06DD\u070F\u0890-\u0891\u08E2\u115F-\u1160\u1680\u180E\u2000-\u200F\u2028-\u202F\u205F-\u2064\u2066-\u206F\u2800\u3000\u3164\uFEFF\uFFA0\uFFF9-\uFFFB\U000110BD\U000110CD\U00013430-\U0001343F\U0001BCA0-\U0001BCA3\U0001D173-\U0001D17A\U000E0001\U000E0020-\U000E007F]+|[\u0009-\u000D\u0020\u0085\u00A0\u00AD\u034F\u0600-\u0605\u061C\u06DD\u070F\u0890-\u0891\u08E2\u115F-\u1160\u1680\u180E\u2000-\u200F\u2028-\u202F\u205F-\u2064\u2066-\u206F\u2800\u3000\u3164\uFEFF\uFFA0\uFFF9-\uFFFB\U000110BD\U000110CD\U00013430-\U0001343F\U0001BCA0-\U0001BCA3\U0001D173-\U0001D17A\U000E0001\U000E0020-\U000E007F]+$',
      '', 'g') AS name,
    display_name
  FROM members
  WHERE display_name <> ''
)
UPDATE members m
SET display_name = coalesce(nullif(c.name, ''), nullif(c.username, ''), c.user_id::text)
FROM cleaned c
WHERE m.chat_id = c.chat_id AND m.user_id = c.user_id
  AND m.display_name <> coalesce(nullif(c.name, ''), nullif(c.username, ''), c.user_id::text);

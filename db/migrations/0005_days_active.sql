-- Days with at least one paid message, kept on the member as messages come, so badge metrics
-- read a column instead of aggregating the whole ledger every hour.

ALTER TABLE members ADD COLUMN days_active int NOT NULL DEFAULT 0;

UPDATE members m SET days_active = d.days
FROM (
  SELECT chat_id, user_id, count(DISTINCT (created_at AT TIME ZONE 'UTC')::date)::int AS days
  FROM xp_ledger WHERE amount > 0 AND reason IN ('message', 'thanks')
  GROUP BY chat_id, user_id
) d
WHERE m.chat_id = d.chat_id AND m.user_id = d.user_id;

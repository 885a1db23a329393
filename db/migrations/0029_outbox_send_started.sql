-- A send is written down as started, on its row, before it leaves (in the statement that takes
-- its place in outbox_pace; bot/outbox_pace.ts). A row still 'sending' with a start once its
-- claim's lease ran out was sent by a replica that died (or lost the database) before Telegram's
-- answer was recorded: it may have arrived. It is not sent again but dropped as 'unconfirmed'
-- (an operator can retry it), counted in its chat's windows at its lease's end (sent_at), by
-- whichever replica claims next (bot/outbox_doubt.ts). A claim clears the start of what it takes.
ALTER TABLE outbox ADD COLUMN send_started_at timestamptz;

-- An operator may close an open incident (a `mismatch` never closes by itself): who closed it
-- (`api`, `cli`) and why are kept with it. An incident that closed by itself has neither.
ALTER TABLE incidents ADD COLUMN closed_by text, ADD COLUMN close_note text;

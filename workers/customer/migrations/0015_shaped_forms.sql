-- Forms the owner shapes (issue 27.2): each published version keeps its lead forms as published
-- ({block id: {"page", "fields"}}), so a visitor's post is checked against the form they saw, not
-- the draft; and a lead keeps every answer of such a form ([[label, answer], ...]).
ALTER TABLE versions ADD COLUMN forms TEXT;  -- NULL: published before (the draft's block is looked up)
ALTER TABLE leads ADD COLUMN answers TEXT NOT NULL DEFAULT '[]';
-- The owner's choice per form (27.2 (d)): a lead of a form whose owner asked for one mail a day
-- waits (digest 1, mailed 0) for the daily digest (customer/forms.py: send_digests).
ALTER TABLE leads ADD COLUMN digest INTEGER NOT NULL DEFAULT 0;
CREATE INDEX leads_for_digest ON leads(created_at) WHERE digest = 1 AND mailed = 0;

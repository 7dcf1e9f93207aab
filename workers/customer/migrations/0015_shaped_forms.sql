-- Forms the owner shapes (issue 27.2): each published version keeps its lead forms as published
-- ({block id: {"page", "fields"}}), so a visitor's post is checked against the form they saw, not
-- the draft; and a lead keeps every answer of such a form ([[label, answer], ...]).
ALTER TABLE versions ADD COLUMN forms TEXT;  -- NULL: published before (the draft's block is looked up)
ALTER TABLE leads ADD COLUMN answers TEXT NOT NULL DEFAULT '[]';

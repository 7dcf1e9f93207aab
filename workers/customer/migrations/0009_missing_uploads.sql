-- An upload whose file R2 no longer holds (found by a publish): when it was found missing. The
-- library says "missing, upload again"; uploading the same picture again writes it and clears it.
ALTER TABLE assets ADD COLUMN missing_since REAL;

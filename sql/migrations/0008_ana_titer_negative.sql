-- An ANA titer of 0 records a negative ANA (the domain accepts 0–1,000,000; 0 = negative, as
-- the score calculator documents). Migration 0003 allowed only titers above 0, so an
-- enrollment or assessment with --ana-titer 0 passed every rule and then failed on the CHECK
-- with a raw constraint message. Found by the bad-input corpus.
ALTER TABLE registry.assessment DROP CONSTRAINT assessment_ana_titer_check;
ALTER TABLE registry.assessment
  ADD CONSTRAINT assessment_ana_titer CHECK (ana_titer BETWEEN 0 AND 1000000);

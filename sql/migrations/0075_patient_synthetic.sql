-- Synthetic patients (issue 13 item 5): `mscreg demo seed` marks the patients it writes, so
-- that listings, reports and exports can say when synthetic patients are included and can
-- leave them out (--exclude-synthetic), and so that a seed can refuse a protocol that holds
-- real patients. Every other write path leaves the default (false: a real patient).
ALTER TABLE registry.patient ADD COLUMN synthetic boolean NOT NULL DEFAULT false;
-- The seed's screening rows (its screen failures too) are marked the same way, so that a
-- report that leaves synthetic patients out leaves their screening out of the flow as well.
ALTER TABLE registry.screening ADD COLUMN synthetic boolean NOT NULL DEFAULT false;

COMMENT ON COLUMN registry.patient.synthetic IS
  'true for a patient written by mscreg demo seed (synthetic cohort); false for a real patient';
COMMENT ON COLUMN registry.screening.synthetic IS
  'true for a screening written by mscreg demo seed (synthetic cohort)';

-- Cohorts seeded before this migration: the seed gives every synthetic patient an MRN of the
-- form SYN-<site>-NNNN, so patients with such an MRN are marked as well. (A site that typed
-- such an MRN by hand for a real patient would see it marked; the audit trail lists every row
-- this update changed, under this reason.)
SELECT set_config('mscreg.reason', 'migration 0075: mark patients of earlier demo seeds (MRN SYN-…) as synthetic', true);
UPDATE registry.patient p SET synthetic = true
FROM identity.patient_identity i
WHERE i.study_id = p.study_id AND i.mrn ~ '^SYN-.+-[0-9]{4,}$';
UPDATE registry.screening s SET synthetic = true
FROM registry.patient p WHERE p.study_id = s.study_id AND p.synthetic;
SELECT set_config('mscreg.reason', '', true);

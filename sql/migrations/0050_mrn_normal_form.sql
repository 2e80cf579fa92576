-- MRNs in one normal form, so that the duplicate-MRN rule cannot be dodged with look-alikes:
-- Unicode NFKC (full-width １２３ is 123), every format character (general category Cf:
-- U+00AD, U+200B–U+200F, U+2060–U+2064, U+FEFF, …) removed, surrounding spaces trimmed.
-- The application normalizes (InputText.normalizedMRN); the database holds every stored MRN
-- to that form with a CHECK, after normalizing the rows already there (audited, with a
-- reason). PostgreSQL 15's regular expressions have no \p{Cf}, so the Cf code points of
-- Unicode 15 are listed.

DO $$
DECLARE
  -- Unicode 15 general category Cf.
  cf   text := '[\u00AD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F'
            || '\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB\U000110BD\U000110CD'
            || '\U00013430-\U0001343F\U0001BCA0-\U0001BCA3\U0001D173-\U0001D17A\U000E0001'
            || '\U000E0020-\U000E007F]';
  -- The normal form of the column mrn, as SQL (Cf removed before and after NFKC; trimmed of
  -- the spaces NFKC leaves: U+0020 and U+1680).
  expr text;
  clash text;
BEGIN
  expr := format(
    $f$btrim(regexp_replace(normalize(regexp_replace(mrn, %1$L, '', 'g'), NFKC), %1$L, '', 'g'), U&' \1680')$f$,
    cf);

  EXECUTE format(
    'SELECT string_agg(ids, ''; '') FROM (
       SELECT string_agg(study_id, '', '' ORDER BY study_id) AS ids
       FROM identity.patient_identity GROUP BY protocol_code, %s HAVING count(*) > 1) d',
    expr) INTO clash;
  IF clash IS NOT NULL THEN
    RAISE EXCEPTION 'these patients have the same MRN once normalized: %', clash
      USING HINT = 'correct the MRNs with `patient amend --mrn` before migrating';
  END IF;

  PERFORM set_config(
    'mscreg.reason', 'migration 0050: MRN normalized (NFKC, format characters removed, trimmed)',
    true);
  EXECUTE format('UPDATE identity.patient_identity SET mrn = %1$s WHERE mrn <> %1$s', expr);
  PERFORM set_config('mscreg.reason', '', true);

  EXECUTE format(
    'ALTER TABLE identity.patient_identity ADD CONSTRAINT identity_mrn_normalized
       CHECK (mrn = %s AND mrn <> '''')', expr);
END
$$;

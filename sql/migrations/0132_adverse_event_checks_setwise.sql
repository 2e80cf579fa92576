-- Issue 14, item 4(a): the adverse-event rules of 0005 and 0010 without a function call per row
-- that cannot break them. Their rules, SQLSTATEs, messages and fields are unchanged, and they
-- hold for every writer (the triggers are the tables' own; only the tables' owner or a
-- superuser can disable them).
--
-- 1. A grade 5 adverse event needs the patient's death on record, checked at commit
--    (adverse_event_grade5_death, a deferred constraint trigger per row). Its function first
--    tested `NEW.grade = 5 AND NEW.voided_at IS NULL`; that test is now the trigger's WHEN
--    clause, evaluated when the row is written, so only live grade 5 events are queued for the
--    check at commit (a seed queued and ran it for every adverse event: 41,617 calls at 20,000
--    patients). The function is unchanged (it tests the same again).
-- 2. Relatedness other than `unrelated` needs an MSC infusion on or before the onset
--    (adverse_event_relatedness, a BEFORE row trigger). Inserts are now checked once per
--    statement (AFTER INSERT, over the statement's new rows, one anti-join with the
--    infusions); the first offending row (lowest id) is reported as before. Updates keep the
--    row trigger, now with the function's own test of the changed columns as its WHEN clause.
--    Like the function it replaces, the statement check is not SECURITY DEFINER: it reads the
--    infusions as the writer does. As with 0102, an inserted row that also breaks a
--    constraint of the table (foreign key, CHECK) now reports that constraint first.

DROP TRIGGER adverse_event_grade5_death ON registry.adverse_event;
CREATE CONSTRAINT TRIGGER adverse_event_grade5_death AFTER INSERT OR UPDATE ON registry.adverse_event
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (NEW.grade = 5 AND NEW.voided_at IS NULL)
  EXECUTE FUNCTION registry.check_grade5_death();

CREATE FUNCTION registry.check_ae_relatedness_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v record;
BEGIN
  SELECT n.study_id, n.relatedness, n.onset_on INTO v
  FROM new_rows n
  WHERE n.voided_at IS NULL AND n.relatedness <> 'unrelated'
    AND NOT EXISTS (
      SELECT 1 FROM registry.infusion i
      WHERE i.study_id = n.study_id AND i.voided_at IS NULL AND i.infused_on <= n.onset_on)
  ORDER BY n.id
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'relatedness %: % had no MSC infusion on or before the onset %',
      v.relatedness, v.study_id, v.onset_on
      USING ERRCODE = 'MR032', COLUMN = 'relatedness';
  END IF;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION registry.check_ae_relatedness_rows() FROM PUBLIC;

DROP TRIGGER adverse_event_relatedness ON registry.adverse_event;
CREATE TRIGGER adverse_event_relatedness BEFORE UPDATE ON registry.adverse_event
  FOR EACH ROW
  WHEN (NEW.voided_at IS NULL AND NEW.relatedness <> 'unrelated'
        AND (NEW.relatedness IS DISTINCT FROM OLD.relatedness
             OR NEW.onset_on IS DISTINCT FROM OLD.onset_on))
  EXECUTE FUNCTION registry.check_ae_relatedness();
CREATE TRIGGER adverse_event_relatedness_insert AFTER INSERT ON registry.adverse_event
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION registry.check_ae_relatedness_rows();

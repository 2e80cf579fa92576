-- A per-patient summary of the records the cohort report reads (issue 17, item 3), kept
-- current by the database.
--
-- registry.patient_summary holds, per patient with at least one record, what the report's
-- cohort would compute from the assessments, infusions, adverse events, clinical events and
-- consents if its cut-off were after every record: the latest date of each kind, the first
-- date of each kind of clinical event, the adverse-event tallies, and `latest_on`, the latest
-- date of any kind (assessment, infusion, AE onset or resolution, clinical event, consent
-- withdrawal). A report whose cut-off is on or after a patient's `latest_on` (every patient,
-- on a report as of today) reads the patient's row instead of grouping the records; for the
-- others (a report as of an earlier day) it still groups their records (CohortReportRepository).
--
-- Derived data, not a record: it is not audited (every write to the tables it summarises is,
-- unchanged) and no application role writes it. Statement-level triggers on the five tables
-- recompute the rows of the patients a statement touched (insert, amendment, void, delete)
-- from the tables themselves, so a summary row never depends on the order of writes: the
-- function first locks the patients' rows (in study ID order), then recomputes them in a
-- statement whose snapshot is taken after the lock, and so sees every concurrent writer's
-- committed records. It is an ordinary table: it replicates to a hot standby with the rest.

CREATE TABLE registry.patient_summary (
  study_id             text PRIMARY KEY REFERENCES registry.patient ON DELETE CASCADE,
  latest_on            date,
  assessed_on          date,
  infused_on           date,
  adverse_on           date,
  ae_worst             integer,
  ae_serious           boolean,
  ae_related           integer,
  ae_related_serious   integer,
  ae_unrelated         integer,
  ae_unrelated_serious integer,
  event_on             date,
  death_on             date,
  liver_transplant_on  date,
  lost_to_follow_up_on date,
  withdrawn_on         date
);
COMMENT ON TABLE registry.patient_summary IS
  'Derived per-patient summary for the cohort report (migration 0110); written only by triggers';

-- The summary of the given patients, computed from the records (the report's cohort columns
-- without a cut-off; NULL where the patient has no live record of the kind). No SET clause, so
-- that the planner inlines it into the caller's statement and sees how many patients it gets.
CREATE FUNCTION registry.patient_summary_of(ids text[]) RETURNS SETOF registry.patient_summary
LANGUAGE sql STABLE AS $$
  WITH k AS (SELECT DISTINCT unnest(ids) AS study_id),
  assessed AS (
    SELECT a.study_id, max(a.assessed_on) AS day FROM registry.assessment a
    WHERE a.study_id IN (SELECT study_id FROM k) AND a.voided_at IS NULL GROUP BY 1
  ), infused AS (
    SELECT i.study_id, max(i.infused_on) AS day FROM registry.infusion i
    WHERE i.study_id IN (SELECT study_id FROM k) AND i.voided_at IS NULL GROUP BY 1
  ), adverse AS (
    SELECT a.study_id,
           max(a.onset_on) AS onset, max(a.resolved_on) AS resolved,
           max(coalesce(a.resolved_on, a.onset_on)) AS day,
           max(a.grade) AS ae_worst, bool_or(a.serious IS NOT NULL) AS ae_serious,
           count(*) FILTER (WHERE a.relatedness IN ('possible', 'probable', 'definite'))::int
             AS ae_related,
           count(*) FILTER (WHERE a.relatedness IN ('possible', 'probable', 'definite')
                              AND a.serious IS NOT NULL)::int AS ae_related_serious,
           count(*) FILTER (WHERE NOT a.relatedness IN ('possible', 'probable', 'definite'))::int
             AS ae_unrelated,
           count(*) FILTER (WHERE NOT a.relatedness IN ('possible', 'probable', 'definite')
                              AND a.serious IS NOT NULL)::int AS ae_unrelated_serious
    FROM registry.adverse_event a
    WHERE a.study_id IN (SELECT study_id FROM k) AND a.voided_at IS NULL GROUP BY 1
  ), events AS (
    SELECT e.study_id, max(e.occurred_on) AS day,
           min(e.occurred_on) FILTER (WHERE e.kind = 'death') AS death_on,
           min(e.occurred_on) FILTER (WHERE e.kind = 'liver_transplant') AS liver_transplant_on,
           min(e.occurred_on) FILTER (WHERE e.kind = 'lost_to_follow_up') AS lost_to_follow_up_on
    FROM registry.clinical_event e
    WHERE e.study_id IN (SELECT study_id FROM k) AND e.voided_at IS NULL GROUP BY 1
  ), withdrawals AS (
    SELECT c.study_id, max(c.withdrawn_on) AS day FROM registry.consent c
    WHERE c.study_id IN (SELECT study_id FROM k) AND c.withdrawn_on IS NOT NULL GROUP BY 1
  )
  SELECT k.study_id,
         greatest(assessed.day, infused.day, adverse.onset, adverse.resolved, events.day,
                  withdrawals.day),
         assessed.day, infused.day, adverse.day,
         adverse.ae_worst, adverse.ae_serious, adverse.ae_related, adverse.ae_related_serious,
         adverse.ae_unrelated, adverse.ae_unrelated_serious,
         events.day, events.death_on, events.liver_transplant_on, events.lost_to_follow_up_on,
         withdrawals.day
  FROM k
  LEFT JOIN assessed ON assessed.study_id = k.study_id
  LEFT JOIN infused ON infused.study_id = k.study_id
  LEFT JOIN adverse ON adverse.study_id = k.study_id
  LEFT JOIN events ON events.study_id = k.study_id
  LEFT JOIN withdrawals ON withdrawals.study_id = k.study_id
$$;

-- Recomputes the summary rows of the given patients (see the header for the locking).
CREATE FUNCTION registry.refresh_patient_summary(ids text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, registry, pg_temp AS $$
BEGIN
  ids := ARRAY(SELECT DISTINCT x FROM unnest(ids) AS x
               WHERE x IS NOT NULL
                 AND EXISTS (SELECT 1 FROM registry.patient p WHERE p.study_id = x)
               ORDER BY x);
  IF cardinality(ids) = 0 THEN
    RETURN;
  END IF;
  INSERT INTO registry.patient_summary (study_id)
    SELECT x FROM unnest(ids) AS x ORDER BY x
    ON CONFLICT (study_id) DO NOTHING;
  PERFORM 1 FROM registry.patient_summary s WHERE s.study_id = ANY (ids)
    ORDER BY s.study_id FOR UPDATE;
  -- A new statement, so a new snapshot (READ COMMITTED): it sees what the writers that held
  -- these rows before us committed.
  UPDATE registry.patient_summary s
     SET latest_on = n.latest_on, assessed_on = n.assessed_on, infused_on = n.infused_on,
         adverse_on = n.adverse_on, ae_worst = n.ae_worst, ae_serious = n.ae_serious,
         ae_related = n.ae_related, ae_related_serious = n.ae_related_serious,
         ae_unrelated = n.ae_unrelated, ae_unrelated_serious = n.ae_unrelated_serious,
         event_on = n.event_on, death_on = n.death_on,
         liver_transplant_on = n.liver_transplant_on,
         lost_to_follow_up_on = n.lost_to_follow_up_on, withdrawn_on = n.withdrawn_on
    FROM registry.patient_summary_of(ids) n
   WHERE s.study_id = n.study_id
     AND (s.*) IS DISTINCT FROM (n.*);
END
$$;

-- The statement-level trigger of the five tables: the study IDs of the rows it touched.
CREATE FUNCTION registry.patient_summary_touch() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, registry, pg_temp AS $$
DECLARE
  ids text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT study_id) INTO ids FROM new_rows;
  ELSIF TG_OP = 'UPDATE' THEN
    SELECT array_agg(DISTINCT study_id) INTO ids
      FROM (SELECT study_id FROM new_rows UNION SELECT study_id FROM old_rows) t;
  ELSE
    SELECT array_agg(DISTINCT study_id) INTO ids FROM old_rows;
  END IF;
  PERFORM registry.refresh_patient_summary(ids);
  RETURN NULL;
END
$$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['assessment', 'infusion', 'adverse_event', 'clinical_event',
                           'consent'] LOOP
    EXECUTE format(
      'CREATE TRIGGER patient_summary_insert AFTER INSERT ON registry.%I '
      'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT '
      'EXECUTE FUNCTION registry.patient_summary_touch()', t);
    EXECUTE format(
      'CREATE TRIGGER patient_summary_update AFTER UPDATE ON registry.%I '
      'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT '
      'EXECUTE FUNCTION registry.patient_summary_touch()', t);
    EXECUTE format(
      'CREATE TRIGGER patient_summary_delete AFTER DELETE ON registry.%I '
      'REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT '
      'EXECUTE FUNCTION registry.patient_summary_touch()', t);
  END LOOP;
END
$$;

-- Written only by the trigger functions (as mscreg_guard); read under the same row-level
-- security as the records it summarises, by every role that reads them.
REVOKE ALL ON registry.patient_summary FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON registry.patient_summary TO mscreg_guard;
GRANT SELECT ON registry.assessment, registry.adverse_event TO mscreg_guard;
ALTER FUNCTION registry.patient_summary_of(text[]) OWNER TO mscreg_guard;
ALTER FUNCTION registry.refresh_patient_summary(text[]) OWNER TO mscreg_guard;
ALTER FUNCTION registry.patient_summary_touch() OWNER TO mscreg_guard;
REVOKE ALL ON FUNCTION registry.patient_summary_of(text[]), registry.refresh_patient_summary(text[])
  FROM PUBLIC;
ALTER TABLE registry.patient_summary ENABLE ROW LEVEL SECURITY;
ALTER TABLE registry.patient_summary FORCE ROW LEVEL SECURITY;
CREATE POLICY by_patient ON registry.patient_summary
  USING ((SELECT registry.sees_all_sites()) OR
         EXISTS (SELECT 1 FROM registry.patient p WHERE p.study_id = patient_summary.study_id));
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
           WHERE table_schema = 'registry' AND table_name = 'clinical_event'
             AND privilege_type = 'SELECT' AND grantee <> 'mscreg_guard'
             AND grantee <> current_user LOOP
    EXECUTE format('GRANT SELECT ON registry.patient_summary TO %I', r.grantee);
  END LOOP;
END
$$;

-- The rows of the records already there.
INSERT INTO registry.patient_summary
  SELECT * FROM registry.patient_summary_of(ARRAY(
    SELECT study_id FROM registry.assessment UNION SELECT study_id FROM registry.infusion
    UNION SELECT study_id FROM registry.adverse_event
    UNION SELECT study_id FROM registry.clinical_event
    UNION SELECT study_id FROM registry.consent));

-- The report's visit values come from the assessments at the endpoints' visits: an index
-- holding every column the report reads there lets it read them without the table.
CREATE INDEX assessment_report_idx ON registry.assessment (visit_code, study_id)
  INCLUDE (assessed_on, sledai_2k, eular_acr_2019, pga, meld, meld_na, meld_3, child_pugh,
           bilirubin, creatinine, inr, sodium, albumin, upcr, c3, c4, anti_dsdna, bilag)
  WHERE voided_at IS NULL;

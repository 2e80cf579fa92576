-- Issue 14, item 4: the infusion gate (0004, as amended by 0010 and 0030), once per statement
-- instead of once per row. Its rules, their order, SQLSTATE (MR021), messages and fields are
-- those of 0010; what changes is when and how often they run.
--
-- Before, `infusion_lot_gate` was a BEFORE INSERT row trigger (SECURITY DEFINER as
-- mscreg_guard, with its search_path save and restore) running about eight queries per row:
-- `demo seed` paid them for every seeded infusion. Now it is an AFTER INSERT statement trigger
-- over the statement's transition table: it locks the statement's patients (FOR NO KEY UPDATE,
-- in study-ID order, so two statements cannot deadlock on them) and lots (FOR SHARE), then
-- checks every new live infusion in one query and raises for the first that breaks a rule
-- (lowest id). FOR NO KEY UPDATE, not FOR UPDATE: by then the insert's own foreign-key check
-- holds FOR KEY SHARE on the patient, as do concurrent inserts of that patient's infusions and
-- assessments; FOR UPDATE would conflict with theirs while they wait for ours (a deadlock),
-- FOR NO KEY UPDATE conflicts only with itself (and with updates of the patient row), which
-- is what serialises the infusions of one patient.
--
-- Counting under concurrency. The patient rows are locked before anything is counted, and
-- under READ COMMITTED each query of the function takes a new snapshot: a concurrent infusion
-- of the same patient either committed before the lock was granted (and is counted) or waits
-- for this transaction to end (and counts this one). Under REPEATABLE READ and SERIALIZABLE
-- the row trigger infusion_a_serialize (0060, unchanged) still bumps the patient's write gate
-- before the insert, so a concurrent committed infusion fails the transaction with 40001.
-- Within one statement, a row is checked against the live infusions already in the table and
-- the statement's rows of lower id (as the row trigger saw the rows inserted before it).
--
-- Since the check now runs after the insert, a row that also breaks a constraint of the table
-- (foreign key, CHECK) reports that constraint instead of the gate's rule.

CREATE FUNCTION registry.check_infusions() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, registry, pg_temp AS $$
DECLARE
  v record;
BEGIN
  PERFORM 1 FROM registry.patient p
    WHERE p.study_id IN (SELECT r.study_id FROM new_rows r WHERE r.voided_at IS NULL)
    ORDER BY p.study_id FOR NO KEY UPDATE OF p;
  IF NOT FOUND THEN
    RETURN NULL;  -- no live infusion (or only unknown patients: their foreign key refused them)
  END IF;
  PERFORM 1 FROM registry.msc_lot l
    WHERE l.lot_number IN (SELECT r.lot_number FROM new_rows r WHERE r.voided_at IS NULL)
    ORDER BY l.lot_number FOR SHARE OF l;
  WITH r AS MATERIALIZED (
    SELECT id, study_id, lot_number, infused_on, weight_kg, total_cells, dose_per_kg
    FROM new_rows WHERE voided_at IS NULL
  ), old AS (
    -- Per patient, the live infusions that were in the table before this statement (the
    -- statement's rows excluded through a hashed NOT IN: ids are never null).
    SELECT i.study_id, count(*) AS n, array_agg(i.infused_on) AS dates
    FROM registry.infusion i
    WHERE i.study_id IN (SELECT r.study_id FROM r) AND i.voided_at IS NULL
      AND i.id NOT IN (SELECT nr.id FROM new_rows nr)
    GROUP BY i.study_id
  ), mine AS (
    -- Per new row, the statement's rows of the same patient with a lower id (a window: no
    -- join of the statement's rows with themselves).
    SELECT r.id, r.study_id, r.infused_on,
           count(*) OVER w AS n_before, array_agg(r.infused_on) OVER w AS dates_before
    FROM r
    WINDOW w AS (PARTITION BY r.study_id ORDER BY r.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
  ), others AS (
    -- Per new row: how many live infusions it is checked against, and the nearest in days.
    SELECT m.id, coalesce(o.n, 0) + m.n_before AS n,
           (SELECT min(abs(d - m.infused_on))
            FROM unnest(coalesce(o.dates, '{}'::date[]) || coalesce(m.dates_before, '{}'::date[])) d) AS gap
    FROM mine m LEFT JOIN old o ON o.study_id = m.study_id
  ), ended AS (
    -- New rows whose patient was dead, lost or withdrawn on the infusion date.
    SELECT r.id FROM r JOIN registry.clinical_event e ON e.study_id = r.study_id
    WHERE e.voided_at IS NULL AND e.kind IN ('death', 'lost_to_follow_up')
      AND e.occurred_on <= r.infused_on
    UNION
    SELECT r.id FROM r JOIN registry.consent k ON k.study_id = r.study_id
    WHERE k.withdrawn_on <= r.infused_on
  ), c AS (
    SELECT r.id, r.infused_on, r.dose_per_kg, r.total_cells, r.weight_kg,
      p.study_id AS pid, p.arm, p.enrolled_on, p.status, p.status_on,
      a.receives_msc AS receives, pr.definition -> 'treatment' AS treatment,
      l.lot_number AS lot, l.status AS lot_status, l.expires_on, l.manufactured_on, l.source,
      l.product, l.viability_pct, l.passage, o.n, o.gap,
      (x.id IS NOT NULL OR (p.status = 'withdrawn' AND p.status_on <= r.infused_on)) AS gone
    FROM r
    JOIN others o ON o.id = r.id
    LEFT JOIN (SELECT DISTINCT id FROM ended) x ON x.id = r.id
    LEFT JOIN registry.patient p ON p.study_id = r.study_id
    LEFT JOIN registry.protocol_arm a ON a.protocol_id = p.protocol_id AND a.code = p.arm
    LEFT JOIN registry.protocol pr ON pr.id = a.protocol_id
    LEFT JOIN registry.msc_lot l ON l.lot_number = r.lot_number
  ), ruled AS (
    SELECT c.*, CASE
      WHEN c.gone THEN 1
      WHEN NOT c.receives THEN 2
      WHEN c.infused_on < c.enrolled_on OR c.infused_on > (now() AT TIME ZONE 'UTC')::date THEN 3
      WHEN c.lot_status <> 'released' THEN 4
      WHEN c.infused_on > c.expires_on THEN 5
      WHEN c.infused_on < c.manufactured_on THEN 6
      WHEN NOT coalesce(c.treatment -> 'allowed_sources' ? c.source, false)
           OR c.product IS DISTINCT FROM c.treatment ->> 'product' THEN 7
      WHEN c.viability_pct < (c.treatment #>> '{release,min_viability_pct}')::float8
           OR c.passage > (c.treatment #>> '{release,max_passage}')::float8 THEN 8
      WHEN c.total_cells::numeric < (c.treatment #>> '{dose_per_kg,min}')::numeric * c.weight_kg::numeric
           OR c.total_cells::numeric > (c.treatment #>> '{dose_per_kg,max}')::numeric * c.weight_kg::numeric THEN 9
      WHEN c.n >= (c.treatment ->> 'max_infusions')::int THEN 10
      WHEN c.gap < coalesce((c.treatment ->> 'min_days_between_infusions')::int, 0) THEN 11
    END AS rule
    FROM c
  )
  SELECT * INTO v FROM ruled WHERE rule IS NOT NULL ORDER BY id LIMIT 1;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  CASE v.rule
    WHEN 1 THEN
      RAISE EXCEPTION 'patient % was dead, lost or withdrawn on %; infusions are only for enrolled, living, non-withdrawn patients',
        v.pid, v.infused_on USING ERRCODE = 'MR021', COLUMN = 'study_id';
    WHEN 2 THEN
      RAISE EXCEPTION 'patient % is in arm %, which does not receive MSC', v.pid, v.arm
        USING ERRCODE = 'MR021', COLUMN = 'study_id';
    WHEN 3 THEN
      RAISE EXCEPTION 'infusion date % is before enrollment (%) or in the future', v.infused_on,
        v.enrolled_on USING ERRCODE = 'MR021', COLUMN = 'infused_on';
    WHEN 4 THEN
      RAISE EXCEPTION 'lot % is %, not released', v.lot, v.lot_status
        USING ERRCODE = 'MR021', COLUMN = 'lot_number';
    WHEN 5 THEN
      RAISE EXCEPTION 'lot % expired on %, before the infusion on %', v.lot, v.expires_on, v.infused_on
        USING ERRCODE = 'MR021', COLUMN = 'lot_number';
    WHEN 6 THEN
      RAISE EXCEPTION 'lot % was manufactured on %, after the infusion on %', v.lot,
        v.manufactured_on, v.infused_on USING ERRCODE = 'MR021', COLUMN = 'infused_on';
    WHEN 7 THEN
      RAISE EXCEPTION 'lot % (% %) is not a source and product the protocol allows', v.lot,
        v.source, v.product USING ERRCODE = 'MR021', COLUMN = 'lot_number';
    WHEN 8 THEN
      RAISE EXCEPTION 'lot % (viability % %%, passage %) does not meet the protocol''s release criteria',
        v.lot, v.viability_pct, v.passage USING ERRCODE = 'MR021', COLUMN = 'lot_number';
    WHEN 9 THEN
      RAISE EXCEPTION 'dose % per kg is outside the protocol''s range %–%', v.dose_per_kg,
        v.treatment #>> '{dose_per_kg,min}', v.treatment #>> '{dose_per_kg,max}'
        USING ERRCODE = 'MR021', COLUMN = 'dose_per_kg';
    WHEN 10 THEN
      RAISE EXCEPTION 'patient % has had % infusions; the protocol allows at most %', v.pid, v.n,
        v.treatment ->> 'max_infusions' USING ERRCODE = 'MR021', COLUMN = 'study_id';
    ELSE
      RAISE EXCEPTION 'infusion on % is % days from another; the protocol needs at least %',
        v.infused_on, v.gap, v.treatment ->> 'min_days_between_infusions'
        USING ERRCODE = 'MR021', COLUMN = 'infused_on';
  END CASE;
END
$$;
ALTER FUNCTION registry.check_infusions() OWNER TO mscreg_guard;
REVOKE ALL ON FUNCTION registry.check_infusions() FROM PUBLIC;

DROP TRIGGER infusion_lot_gate ON registry.infusion;
CREATE TRIGGER infusion_lot_gate AFTER INSERT ON registry.infusion
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION registry.check_infusions();

-- Issue 14, item 4(a): the infusion gate of 0102 with the protocol's treatment rules read once
-- per protocol of the statement's patients. In 0102 every rule of every new infusion evaluated
-- `definition -> 'treatment'` on the protocol row it was joined to: each evaluation detoasts
-- (decompresses) the whole protocol definition, about ten times per infusion, which was most of
-- the gate's time on a seeded chunk (0.6 s per 18,000 infusions). The rules, their order, the
-- SQLSTATE (MR021), the messages and the fields are those of 0102; only where the thresholds
-- are read from changes (a materialised CTE of the statement's protocols; the casts are the
-- same, so a malformed threshold fails as before — now for any new infusion of that protocol).

CREATE OR REPLACE FUNCTION registry.check_infusions() RETURNS trigger
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
  ), t AS MATERIALIZED (
    -- The treatment rules of the statement's patients' protocols, read (and detoasted) once
    -- per protocol rather than once per rule and row.
    SELECT pr.id AS protocol_id, pr.definition -> 'treatment' AS treatment
    FROM registry.protocol pr
    WHERE pr.id IN (SELECT p.protocol_id FROM registry.patient p
                    WHERE p.study_id IN (SELECT r.study_id FROM r))
  ), tp AS MATERIALIZED (
    SELECT t0.protocol_id, t0.treatment, t0.treatment -> 'allowed_sources' AS allowed_sources,
           t0.treatment ->> 'product' AS product,
           (t0.treatment #>> '{release,min_viability_pct}')::float8 AS min_viability,
           (t0.treatment #>> '{release,max_passage}')::float8 AS max_passage,
           (t0.treatment #>> '{dose_per_kg,min}')::numeric AS dose_min,
           (t0.treatment #>> '{dose_per_kg,max}')::numeric AS dose_max,
           (t0.treatment ->> 'max_infusions')::int AS max_infusions,
           coalesce((t0.treatment ->> 'min_days_between_infusions')::int, 0) AS min_days
    FROM t t0
  ), c AS (
    SELECT r.id, r.infused_on, r.dose_per_kg, r.total_cells, r.weight_kg,
      p.study_id AS pid, p.arm, p.enrolled_on, p.status, p.status_on,
      a.receives_msc AS receives, t.treatment, t.allowed_sources, t.product AS allowed_product,
      t.min_viability, t.max_passage, t.dose_min, t.dose_max, t.max_infusions, t.min_days,
      l.lot_number AS lot, l.status AS lot_status, l.expires_on, l.manufactured_on, l.source,
      l.product, l.viability_pct, l.passage, o.n, o.gap,
      (x.id IS NOT NULL OR (p.status = 'withdrawn' AND p.status_on <= r.infused_on)) AS gone
    FROM r
    JOIN others o ON o.id = r.id
    LEFT JOIN (SELECT DISTINCT id FROM ended) x ON x.id = r.id
    LEFT JOIN registry.patient p ON p.study_id = r.study_id
    LEFT JOIN registry.protocol_arm a ON a.protocol_id = p.protocol_id AND a.code = p.arm
    LEFT JOIN tp t ON t.protocol_id = a.protocol_id
    LEFT JOIN registry.msc_lot l ON l.lot_number = r.lot_number
  ), ruled AS (
    SELECT c.*, CASE
      WHEN c.gone THEN 1
      WHEN NOT c.receives THEN 2
      WHEN c.infused_on < c.enrolled_on OR c.infused_on > (now() AT TIME ZONE 'UTC')::date THEN 3
      WHEN c.lot_status <> 'released' THEN 4
      WHEN c.infused_on > c.expires_on THEN 5
      WHEN c.infused_on < c.manufactured_on THEN 6
      WHEN NOT coalesce(c.allowed_sources ? c.source, false)
           OR c.product IS DISTINCT FROM c.allowed_product THEN 7
      WHEN c.viability_pct < c.min_viability OR c.passage > c.max_passage THEN 8
      WHEN c.total_cells::numeric < c.dose_min * c.weight_kg::numeric
           OR c.total_cells::numeric > c.dose_max * c.weight_kg::numeric THEN 9
      WHEN c.n >= c.max_infusions THEN 10
      WHEN c.gap < c.min_days THEN 11
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

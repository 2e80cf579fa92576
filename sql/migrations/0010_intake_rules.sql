-- Issue 12 (intake rules).
--
-- 1. The infusion gate checks the dose per kg in exact decimal arithmetic (numeric), ends
--    included, instead of a binary quotient with a relative tolerance of 1e-9: 4.02e7 cells for
--    40.2 kg is exactly 1.0e6/kg. The rest of the gate is that of 0004, unchanged.
-- 2. `treated` may go back to `enrolled` when no live (non-voided) infusion of the patient is
--    left: voiding the only infusion undoes the status it gave. The rest is that of 0005.
-- 3. An adverse event whose relatedness is not `unrelated` needs a live infusion of the same
--    patient on or before its onset (SPEC §4), on insert and when relatedness or onset change.

CREATE OR REPLACE FUNCTION registry.check_infusion_lot() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  lot registry.msc_lot;
  pat registry.patient;
  treatment jsonb;
  receives boolean;
  n integer;
  gap integer;
BEGIN
  IF NEW.voided_at IS NOT NULL THEN
    RETURN NEW;
  END IF;
  SELECT * INTO pat FROM registry.patient WHERE study_id = NEW.study_id FOR UPDATE;
  -- Living and not withdrawn on the infusion date (so an infusion entered late, after a
  -- later death, is still accepted; the service refuses by current status).
  IF EXISTS (SELECT 1 FROM registry.clinical_event e
             WHERE e.study_id = NEW.study_id AND e.voided_at IS NULL
               AND e.kind IN ('death', 'lost_to_follow_up') AND e.occurred_on <= NEW.infused_on)
     OR EXISTS (SELECT 1 FROM registry.consent c
                WHERE c.study_id = NEW.study_id AND c.withdrawn_on <= NEW.infused_on)
     OR (pat.status = 'withdrawn' AND pat.status_on <= NEW.infused_on)
  THEN
    RAISE EXCEPTION 'patient % was dead, lost or withdrawn on %; infusions are only for enrolled, living, non-withdrawn patients',
      pat.study_id, NEW.infused_on USING ERRCODE = 'MR021', COLUMN = 'study_id';
  END IF;
  SELECT a.receives_msc, pr.definition -> 'treatment' INTO receives, treatment
    FROM registry.protocol_arm a JOIN registry.protocol pr ON pr.id = a.protocol_id
    WHERE a.protocol_id = pat.protocol_id AND a.code = pat.arm;
  IF NOT receives THEN
    RAISE EXCEPTION 'patient % is in arm %, which does not receive MSC', pat.study_id, pat.arm
      USING ERRCODE = 'MR021', COLUMN = 'study_id';
  END IF;
  IF NEW.infused_on < pat.enrolled_on OR NEW.infused_on > (now() AT TIME ZONE 'UTC')::date THEN
    RAISE EXCEPTION 'infusion date % is before enrollment (%) or in the future', NEW.infused_on,
      pat.enrolled_on USING ERRCODE = 'MR021', COLUMN = 'infused_on';
  END IF;
  SELECT * INTO lot FROM registry.msc_lot WHERE lot_number = NEW.lot_number FOR SHARE;
  IF lot.status <> 'released' THEN
    RAISE EXCEPTION 'lot % is %, not released', lot.lot_number, lot.status
      USING ERRCODE = 'MR021', COLUMN = 'lot_number';
  END IF;
  IF NEW.infused_on > lot.expires_on THEN
    RAISE EXCEPTION 'lot % expired on %, before the infusion on %', lot.lot_number, lot.expires_on, NEW.infused_on
      USING ERRCODE = 'MR021', COLUMN = 'lot_number';
  END IF;
  IF NEW.infused_on < lot.manufactured_on THEN
    RAISE EXCEPTION 'lot % was manufactured on %, after the infusion on %', lot.lot_number,
      lot.manufactured_on, NEW.infused_on USING ERRCODE = 'MR021', COLUMN = 'infused_on';
  END IF;
  IF NOT coalesce(treatment -> 'allowed_sources' ? lot.source, false)
     OR lot.product IS DISTINCT FROM treatment ->> 'product'
  THEN
    RAISE EXCEPTION 'lot % (% %) is not a source and product the protocol allows', lot.lot_number,
      lot.source, lot.product USING ERRCODE = 'MR021', COLUMN = 'lot_number';
  END IF;
  IF lot.viability_pct < (treatment #>> '{release,min_viability_pct}')::float8
     OR lot.passage > (treatment #>> '{release,max_passage}')::float8
  THEN
    RAISE EXCEPTION 'lot % (viability % %%, passage %) does not meet the protocol''s release criteria',
      lot.lot_number, lot.viability_pct, lot.passage USING ERRCODE = 'MR021', COLUMN = 'lot_number';
  END IF;
  -- Exact decimal arithmetic: cells < min × weight, never a binary quotient with a tolerance.
  -- float8::numeric keeps 15 significant digits (DoseArithmetic in the domain does the same).
  IF NEW.total_cells::numeric < (treatment #>> '{dose_per_kg,min}')::numeric * NEW.weight_kg::numeric
     OR NEW.total_cells::numeric > (treatment #>> '{dose_per_kg,max}')::numeric * NEW.weight_kg::numeric
  THEN
    RAISE EXCEPTION 'dose % per kg is outside the protocol''s range %–%', NEW.dose_per_kg,
      treatment #>> '{dose_per_kg,min}', treatment #>> '{dose_per_kg,max}'
      USING ERRCODE = 'MR021', COLUMN = 'dose_per_kg';
  END IF;
  SELECT count(*) INTO n FROM registry.infusion
    WHERE study_id = NEW.study_id AND voided_at IS NULL;
  IF n >= (treatment ->> 'max_infusions')::int THEN
    RAISE EXCEPTION 'patient % has had % infusions; the protocol allows at most %', pat.study_id, n,
      treatment ->> 'max_infusions' USING ERRCODE = 'MR021', COLUMN = 'study_id';
  END IF;
  SELECT min(abs(infused_on - NEW.infused_on)) INTO gap FROM registry.infusion
    WHERE study_id = NEW.study_id AND voided_at IS NULL;
  IF gap < coalesce((treatment ->> 'min_days_between_infusions')::int, 0) THEN
    RAISE EXCEPTION 'infusion on % is % days from another; the protocol needs at least %',
      NEW.infused_on, gap, treatment ->> 'min_days_between_infusions'
      USING ERRCODE = 'MR021', COLUMN = 'infused_on';
  END IF;
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION registry.check_status_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
       (OLD.status = 'enrolled' AND NEW.status IN ('treated', 'completed', 'withdrawn', 'died', 'lost_to_follow_up'))
    OR (OLD.status = 'treated' AND NEW.status IN ('completed', 'withdrawn', 'died', 'lost_to_follow_up'))
    OR (OLD.status = 'treated' AND NEW.status = 'enrolled' AND NOT EXISTS (
          SELECT 1 FROM registry.infusion
          WHERE study_id = OLD.study_id AND voided_at IS NULL))
    OR (OLD.status = 'completed' AND NEW.status IN ('died', 'lost_to_follow_up'))
    OR (OLD.status IN ('withdrawn', 'lost_to_follow_up') AND NEW.status = 'died')
    OR (OLD.status = 'died' AND NEW.status <> 'died' AND NOT EXISTS (
          SELECT 1 FROM registry.clinical_event
          WHERE study_id = OLD.study_id AND kind = 'death' AND voided_at IS NULL))
    OR (OLD.status = 'lost_to_follow_up' AND NEW.status IN ('enrolled', 'treated', 'completed')
        AND NOT EXISTS (
          SELECT 1 FROM registry.clinical_event
          WHERE study_id = OLD.study_id AND kind = 'lost_to_follow_up' AND voided_at IS NULL)))
  THEN
    RAISE EXCEPTION 'patient %: status % cannot become %', OLD.study_id, OLD.status, NEW.status
      USING ERRCODE = 'MR011', COLUMN = 'status';
  END IF;
  RETURN NEW;
END
$$;

CREATE FUNCTION registry.check_ae_relatedness() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.voided_at IS NULL AND NEW.relatedness <> 'unrelated'
     AND (TG_OP = 'INSERT' OR NEW.relatedness IS DISTINCT FROM OLD.relatedness
          OR NEW.onset_on IS DISTINCT FROM OLD.onset_on)
     AND NOT EXISTS (
       SELECT 1 FROM registry.infusion i
       WHERE i.study_id = NEW.study_id AND i.voided_at IS NULL AND i.infused_on <= NEW.onset_on)
  THEN
    RAISE EXCEPTION 'relatedness %: % had no MSC infusion on or before the onset %',
      NEW.relatedness, NEW.study_id, NEW.onset_on
      USING ERRCODE = 'MR032', COLUMN = 'relatedness';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER adverse_event_relatedness BEFORE INSERT OR UPDATE ON registry.adverse_event
  FOR EACH ROW EXECUTE FUNCTION registry.check_ae_relatedness();

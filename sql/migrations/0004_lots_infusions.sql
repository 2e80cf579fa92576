-- MSC lots (manufacturing and release) and infusions (the chain from lot to patient).

CREATE TABLE registry.msc_lot (
  lot_number      text PRIMARY KEY
                  CONSTRAINT lot_number_format CHECK (lot_number ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$'),
  source          text NOT NULL CONSTRAINT lot_source CHECK (source IN
                    ('bone_marrow', 'adipose', 'umbilical_cord', 'cord_blood', 'amniotic', 'placenta')),
  donor           text NOT NULL CONSTRAINT lot_donor CHECK (donor IN ('autologous', 'allogeneic')),
  product         text NOT NULL CONSTRAINT lot_product CHECK (product IN ('cells', 'extracellular_vesicles')),
  passage         integer NOT NULL CONSTRAINT lot_passage CHECK (passage BETWEEN 0 AND 50),
  viability_pct   double precision NOT NULL CONSTRAINT lot_viability CHECK (viability_pct BETWEEN 0 AND 100),
  cd73_pct        double precision CHECK (cd73_pct BETWEEN 0 AND 100),
  cd90_pct        double precision CHECK (cd90_pct BETWEEN 0 AND 100),
  cd105_pct       double precision CHECK (cd105_pct BETWEEN 0 AND 100),
  cd45_pct        double precision CHECK (cd45_pct BETWEEN 0 AND 100),
  cd34_pct        double precision CHECK (cd34_pct BETWEEN 0 AND 100),
  cd14_pct        double precision CHECK (cd14_pct BETWEEN 0 AND 100),
  cd19_pct        double precision CHECK (cd19_pct BETWEEN 0 AND 100),
  hla_dr_pct      double precision CHECK (hla_dr_pct BETWEEN 0 AND 100),
  sterility       text CHECK (sterility IN ('negative', 'positive')),
  mycoplasma      text CHECK (mycoplasma IN ('negative', 'positive')),
  endotoxin_eu_ml double precision CHECK (endotoxin_eu_ml >= 0),
  manufactured_on date NOT NULL,
  expires_on      date NOT NULL,
  status          text NOT NULL DEFAULT 'quarantine'
                  CONSTRAINT lot_status CHECK (status IN ('quarantine', 'released', 'rejected')),
  status_reason   text,
  status_changed_at timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT lot_expiry_after_manufacture CHECK (expires_on >= manufactured_on),
  CONSTRAINT lot_rejection_has_reason CHECK (status <> 'rejected' OR status_reason IS NOT NULL),
  -- The generic release specification (ReleaseCheck in the domain holds the same numbers):
  -- ISCT markers (Dominici 2006) all recorded, CD73/CD90/CD105 >= 95 %, CD45/CD34/CD14/CD19/
  -- HLA-DR <= 2 %; sterility and mycoplasma negative; endotoxin <= 0.5 EU/mL; viability >= 70 %.
  -- coalesce: a NULL (not recorded) must fail, where a bare CHECK would let it pass.
  CONSTRAINT lot_release_criteria CHECK (status <> 'released' OR coalesce(
    cd73_pct >= 95 AND cd90_pct >= 95 AND cd105_pct >= 95
    AND cd45_pct <= 2 AND cd34_pct <= 2 AND cd14_pct <= 2 AND cd19_pct <= 2 AND hla_dr_pct <= 2
    AND sterility = 'negative' AND mycoplasma = 'negative' AND endotoxin_eu_ml <= 0.5
    AND viability_pct >= 70, false))
);
SELECT audit.enable('registry.msc_lot', 'lot_number');

-- Status moves quarantine -> released | rejected, and released -> rejected (a recall); a
-- rejected lot stays rejected. Once out of quarantine the characterisation is frozen: only
-- the status, its reason and its time may change.
CREATE FUNCTION registry.check_lot_status() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
       (OLD.status = 'quarantine' AND NEW.status IN ('released', 'rejected'))
    OR (OLD.status = 'released' AND NEW.status = 'rejected'))
  THEN
    RAISE EXCEPTION 'lot % is %; its status cannot change to %', OLD.lot_number, OLD.status, NEW.status
      USING ERRCODE = 'MR020', COLUMN = 'status';
  END IF;
  IF OLD.status <> 'quarantine' AND
     (to_jsonb(NEW) - ARRAY['status', 'status_reason', 'status_changed_at'])
       IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['status', 'status_reason', 'status_changed_at'])
  THEN
    RAISE EXCEPTION 'lot % is %; its characterisation can no longer change', OLD.lot_number, OLD.status
      USING ERRCODE = 'MR020', COLUMN = 'lot_number';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER lot_status_transition BEFORE UPDATE ON registry.msc_lot
  FOR EACH ROW EXECUTE FUNCTION registry.check_lot_status();

CREATE TABLE registry.infusion (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  study_id    text NOT NULL REFERENCES registry.patient,
  lot_number  text NOT NULL REFERENCES registry.msc_lot,
  infused_on  date NOT NULL,
  weight_kg   double precision NOT NULL CONSTRAINT infusion_weight CHECK (weight_kg > 0 AND weight_kg <= 400),
  total_cells double precision NOT NULL CONSTRAINT infusion_cells CHECK (total_cells > 0 AND total_cells < 1e13),
  dose_per_kg double precision NOT NULL,
  route       text NOT NULL CONSTRAINT infusion_route CHECK (route IN
                ('iv', 'intra_arterial_hepatic', 'portal_vein', 'intrarenal')),
  voided_at   timestamptz,
  void_reason text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT infusion_dose_derived CHECK (abs(dose_per_kg - total_cells / weight_kg) <= 1e-9 * dose_per_kg),
  CONSTRAINT infusion_void_has_reason CHECK (voided_at IS NULL OR void_reason IS NOT NULL)
);
CREATE INDEX infusion_study_idx ON registry.infusion (study_id, infused_on) WHERE voided_at IS NULL;
CREATE INDEX infusion_lot_idx ON registry.infusion (lot_number);
SELECT audit.enable('registry.infusion');

-- An infusion is never deleted, and never edited: it may only be voided (with a reason), once.
CREATE FUNCTION registry.check_infusion_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'infusion % cannot be deleted; void it with a reason', OLD.id
      USING ERRCODE = 'MR022', COLUMN = 'id';
  END IF;
  IF OLD.voided_at IS NOT NULL THEN
    RAISE EXCEPTION 'infusion % is voided; it cannot change', OLD.id
      USING ERRCODE = 'MR022', COLUMN = 'voided_at';
  END IF;
  IF (to_jsonb(NEW) - ARRAY['voided_at', 'void_reason'])
       IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['voided_at', 'void_reason'])
  THEN
    RAISE EXCEPTION 'infusion % cannot be edited; void it and record it again', OLD.id
      USING ERRCODE = 'MR022', COLUMN = 'id';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER infusion_void_only BEFORE UPDATE OR DELETE ON registry.infusion
  FOR EACH ROW EXECUTE FUNCTION registry.check_infusion_change();

-- The database's own gate, a backstop for the service's rules (SPEC §4): a live infusion needs
-- a living, non-withdrawn patient of an arm that receives MSC, a date from enrollment to today
-- (UTC), a released lot made by then and unexpired on the day (the expiry date itself is
-- allowed), of a source and product the protocol allows and within its release criteria, a
-- dose per kg within the protocol's range (relative tolerance 1e-9), at most max_infusions
-- and at least min_days_between_infusions apart. The patient row is locked first, so that
-- concurrent infusions of one patient are checked one after the other.
CREATE FUNCTION registry.check_infusion_lot() RETURNS trigger
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
  IF NEW.dose_per_kg < (treatment #>> '{dose_per_kg,min}')::float8 * (1 - 1e-9)
     OR NEW.dose_per_kg > (treatment #>> '{dose_per_kg,max}')::float8 * (1 + 1e-9)
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
CREATE TRIGGER infusion_lot_gate BEFORE INSERT ON registry.infusion
  FOR EACH ROW EXECUTE FUNCTION registry.check_infusion_lot();

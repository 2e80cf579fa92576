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
  CONSTRAINT lot_rejection_has_reason CHECK (status <> 'rejected' OR status_reason IS NOT NULL)
);
SELECT audit.enable('registry.msc_lot', 'lot_number');

-- A released or rejected lot stays so; only quarantine may change.
CREATE FUNCTION registry.check_lot_status() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status AND OLD.status <> 'quarantine' THEN
    RAISE EXCEPTION 'lot % is %; its status cannot change to %', OLD.lot_number, OLD.status, NEW.status
      USING ERRCODE = 'MR020', COLUMN = 'status';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER lot_status_transition BEFORE UPDATE OF status ON registry.msc_lot
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

-- The database's own release gate: a live infusion needs a released lot, unexpired on the day.
CREATE FUNCTION registry.check_infusion_lot() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  lot registry.msc_lot;
BEGIN
  IF NEW.voided_at IS NOT NULL THEN
    RETURN NEW;
  END IF;
  SELECT * INTO lot FROM registry.msc_lot WHERE lot_number = NEW.lot_number;
  IF lot.status <> 'released' THEN
    RAISE EXCEPTION 'lot % is %, not released', lot.lot_number, lot.status
      USING ERRCODE = 'MR021', COLUMN = 'lot_number';
  END IF;
  IF NEW.infused_on > lot.expires_on THEN
    RAISE EXCEPTION 'lot % expired on %, before the infusion on %', lot.lot_number, lot.expires_on, NEW.infused_on
      USING ERRCODE = 'MR021', COLUMN = 'lot_number';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER infusion_lot_gate BEFORE INSERT OR UPDATE OF lot_number, infused_on ON registry.infusion
  FOR EACH ROW EXECUTE FUNCTION registry.check_infusion_lot();

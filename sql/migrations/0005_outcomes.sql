-- Adverse events and clinical (survival) events.

-- An adverse event links to an infusion of the same patient (composite key below).
ALTER TABLE registry.infusion ADD CONSTRAINT infusion_id_study_key UNIQUE (id, study_id);

CREATE TABLE registry.adverse_event (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  study_id     text NOT NULL REFERENCES registry.patient,
  term         text NOT NULL CONSTRAINT ae_term CHECK (length(btrim(term)) BETWEEN 1 AND 200),
  grade        integer NOT NULL CONSTRAINT ae_grade CHECK (grade BETWEEN 1 AND 5),
  serious      text CONSTRAINT ae_serious CHECK (serious IN ('death', 'life_threatening',
                 'hospitalisation', 'disability', 'congenital_anomaly', 'important_medical_event')),
  relatedness  text NOT NULL CONSTRAINT ae_relatedness CHECK (relatedness IN
                 ('unrelated', 'unlikely', 'possible', 'probable', 'definite')),
  onset_on     date NOT NULL,
  resolved_on  date,
  infusion_id  bigint,
  voided_at    timestamptz,
  void_reason  text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ae_resolution_after_onset CHECK (resolved_on IS NULL OR resolved_on >= onset_on),
  CONSTRAINT ae_void_has_reason CHECK (voided_at IS NULL OR void_reason IS NOT NULL),
  CONSTRAINT ae_serious_death_is_grade5 CHECK ((grade = 5) = (serious IS NOT DISTINCT FROM 'death')),
  CONSTRAINT ae_infusion_same_patient FOREIGN KEY (infusion_id, study_id)
    REFERENCES registry.infusion (id, study_id)
);
CREATE INDEX adverse_event_study_idx ON registry.adverse_event (study_id) WHERE voided_at IS NULL;
SELECT audit.enable('registry.adverse_event');

CREATE TABLE registry.clinical_event (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  study_id    text NOT NULL REFERENCES registry.patient,
  kind        text NOT NULL CONSTRAINT event_kind CHECK (kind IN ('death', 'liver_transplant', 'lost_to_follow_up')),
  occurred_on date NOT NULL,
  voided_at   timestamptz,
  void_reason text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT event_void_has_reason CHECK (voided_at IS NULL OR void_reason IS NOT NULL)
);
CREATE UNIQUE INDEX clinical_event_once ON registry.clinical_event (study_id, kind) WHERE voided_at IS NULL;
SELECT audit.enable('registry.clinical_event');

-- A grade 5 adverse event needs the patient's death on record (checked at commit, so both
-- may be written in one transaction).
CREATE FUNCTION registry.check_grade5_death() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.grade = 5 AND NEW.voided_at IS NULL AND NOT EXISTS (
    SELECT 1 FROM registry.clinical_event
    WHERE study_id = NEW.study_id AND kind = 'death' AND voided_at IS NULL)
  THEN
    RAISE EXCEPTION 'a grade 5 adverse event of % needs the death recorded', NEW.study_id
      USING ERRCODE = 'MR030', COLUMN = 'grade';
  END IF;
  RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER adverse_event_grade5_death AFTER INSERT OR UPDATE ON registry.adverse_event
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION registry.check_grade5_death();

-- The same rule seen from the event: a death may not be voided while a live grade 5 adverse
-- event of the patient needs it.
CREATE FUNCTION registry.check_death_void() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.kind = 'death' AND NEW.voided_at IS NOT NULL AND EXISTS (
    SELECT 1 FROM registry.adverse_event
    WHERE study_id = NEW.study_id AND grade = 5 AND voided_at IS NULL)
  AND NOT EXISTS (
    SELECT 1 FROM registry.clinical_event
    WHERE study_id = NEW.study_id AND kind = 'death' AND voided_at IS NULL)
  THEN
    RAISE EXCEPTION 'the death of % cannot be voided while a grade 5 adverse event needs it', NEW.study_id
      USING ERRCODE = 'MR031', COLUMN = 'voided_at';
  END IF;
  RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER clinical_event_death_void AFTER UPDATE OF voided_at ON registry.clinical_event
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION registry.check_death_void();

-- A terminal status given by an event is undone only by voiding that event: `died` may go
-- back when no live death is on record, `lost_to_follow_up` when no live loss is (the service
-- restores the status the patient had before, read from the audit trail). Otherwise the
-- transitions of 0003 hold.
CREATE OR REPLACE FUNCTION registry.check_status_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
       (OLD.status = 'enrolled' AND NEW.status IN ('treated', 'completed', 'withdrawn', 'died', 'lost_to_follow_up'))
    OR (OLD.status = 'treated' AND NEW.status IN ('completed', 'withdrawn', 'died', 'lost_to_follow_up'))
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

-- Adverse events and clinical (survival) events.

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
  infusion_id  bigint REFERENCES registry.infusion,
  voided_at    timestamptz,
  void_reason  text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ae_resolution_after_onset CHECK (resolved_on IS NULL OR resolved_on >= onset_on),
  CONSTRAINT ae_void_has_reason CHECK (voided_at IS NULL OR void_reason IS NOT NULL)
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

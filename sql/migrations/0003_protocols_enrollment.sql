-- Protocols, patients, identity, consent, screening log, randomization, assessments.

-- A protocol version, once loaded, is immutable.
CREATE TABLE registry.protocol (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code            text NOT NULL
                  CONSTRAINT protocol_code_format CHECK (code ~ '^[A-Za-z0-9._-]{1,40}$'),
  version         integer NOT NULL CONSTRAINT protocol_version_positive CHECK (version >= 1),
  title           text NOT NULL,
  condition       text NOT NULL CONSTRAINT protocol_condition CHECK (condition IN ('sle', 'liver_failure')),
  study_id_prefix text NOT NULL
                  CONSTRAINT protocol_prefix_format CHECK (study_id_prefix ~ '^[A-Z][A-Z0-9]{1,9}$'),
  definition      jsonb NOT NULL,
  source          text NOT NULL,
  checksum        text NOT NULL CONSTRAINT protocol_checksum_format CHECK (checksum ~ '^[0-9a-f]{64}$'),
  loaded_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT protocol_code_version_key UNIQUE (code, version),
  CONSTRAINT protocol_id_code_key UNIQUE (id, code)
);
SELECT audit.enable('registry.protocol');

CREATE FUNCTION registry.refuse_protocol_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'protocol % version % is immutable once loaded; load a new version',
    OLD.code, OLD.version USING ERRCODE = 'MR010';
END
$$;
CREATE TRIGGER protocol_immutable BEFORE UPDATE OR DELETE ON registry.protocol
  FOR EACH ROW EXECUTE FUNCTION registry.refuse_protocol_change();

CREATE TABLE registry.protocol_arm (
  protocol_id  bigint NOT NULL REFERENCES registry.protocol,
  code         text NOT NULL,
  ratio        integer NOT NULL CHECK (ratio >= 1),
  receives_msc boolean NOT NULL,
  PRIMARY KEY (protocol_id, code)
);

-- Gapless study-ID numbers: one row per protocol code and site, incremented in the
-- enrolling transaction (a rollback gives the number back; a commit never reuses it).
CREATE TABLE registry.study_id_counter (
  protocol_code text NOT NULL,
  site_code     text NOT NULL REFERENCES registry.site,
  last_number   integer NOT NULL CHECK (last_number BETWEEN 1 AND 9999),
  PRIMARY KEY (protocol_code, site_code)
);

-- Position in each randomization stratum (protocol and stratum key).
CREATE TABLE registry.allocation_counter (
  protocol_id bigint NOT NULL REFERENCES registry.protocol,
  stratum     text NOT NULL,
  allocated   integer NOT NULL CHECK (allocated >= 1),
  PRIMARY KEY (protocol_id, stratum)
);

CREATE TABLE registry.patient (
  study_id          text PRIMARY KEY
                    CONSTRAINT patient_study_id_format CHECK (study_id ~ '^[A-Z][A-Z0-9]{1,9}-[A-Z][A-Z0-9]{1,7}-[0-9]{4}$'),
  protocol_id       bigint NOT NULL REFERENCES registry.protocol,
  protocol_code     text NOT NULL,
  site_code         text NOT NULL REFERENCES registry.site,
  seq               integer NOT NULL CHECK (seq BETWEEN 1 AND 9999),
  sex               text NOT NULL CONSTRAINT patient_sex CHECK (sex IN ('F', 'M')),
  birth_year        integer NOT NULL CONSTRAINT patient_birth_year CHECK (birth_year BETWEEN 1900 AND 2100),
  age_at_enrollment integer NOT NULL CONSTRAINT patient_age CHECK (age_at_enrollment BETWEEN 0 AND 130),
  enrolled_on       date NOT NULL,
  arm               text NOT NULL,
  status            text NOT NULL DEFAULT 'enrolled'
                    CONSTRAINT patient_status CHECK (status IN
                      ('enrolled', 'treated', 'completed', 'withdrawn', 'died', 'lost_to_follow_up')),
  status_on         date,
  created_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT patient_protocol_site_seq_key UNIQUE (protocol_code, site_code, seq),
  CONSTRAINT patient_study_id_protocol_key UNIQUE (study_id, protocol_code),
  CONSTRAINT patient_protocol_code_fkey FOREIGN KEY (protocol_id, protocol_code)
    REFERENCES registry.protocol (id, code),
  CONSTRAINT patient_arm_fkey FOREIGN KEY (protocol_id, arm) REFERENCES registry.protocol_arm
);
CREATE INDEX patient_protocol_idx ON registry.patient (protocol_id, site_code);
SELECT audit.enable('registry.patient', 'study_id');

-- Terminal statuses stay terminal (a withdrawn or lost patient may still be reported dead).
CREATE FUNCTION registry.check_status_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
       (OLD.status = 'enrolled' AND NEW.status IN ('treated', 'completed', 'withdrawn', 'died', 'lost_to_follow_up'))
    OR (OLD.status = 'treated' AND NEW.status IN ('completed', 'withdrawn', 'died', 'lost_to_follow_up'))
    OR (OLD.status = 'completed' AND NEW.status IN ('died', 'lost_to_follow_up'))
    OR (OLD.status IN ('withdrawn', 'lost_to_follow_up') AND NEW.status = 'died'))
  THEN
    RAISE EXCEPTION 'patient %: status % cannot become %', OLD.study_id, OLD.status, NEW.status
      USING ERRCODE = 'MR011', COLUMN = 'status';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER patient_status_transition BEFORE UPDATE OF status ON registry.patient
  FOR EACH ROW EXECUTE FUNCTION registry.check_status_transition();

-- Direct identifiers live here and nowhere else (audited into identity.audit_log).
CREATE TABLE identity.patient_identity (
  study_id      text PRIMARY KEY,
  protocol_code text NOT NULL,
  mrn           text NOT NULL CONSTRAINT identity_mrn_format CHECK (length(mrn) BETWEEN 1 AND 64),
  given_name    text NOT NULL CHECK (length(given_name) BETWEEN 1 AND 200),
  family_name   text NOT NULL CHECK (length(family_name) BETWEEN 1 AND 200),
  birth_date    date NOT NULL,
  contact       text,
  CONSTRAINT identity_protocol_mrn_key UNIQUE (protocol_code, mrn),
  CONSTRAINT identity_patient_fkey FOREIGN KEY (study_id, protocol_code)
    REFERENCES registry.patient (study_id, protocol_code)
);
SELECT audit.enable('identity.patient_identity', 'study_id');

CREATE TABLE registry.consent (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  study_id          text NOT NULL REFERENCES registry.patient,
  version           text NOT NULL CHECK (length(version) BETWEEN 1 AND 40),
  signed_on         date NOT NULL,
  withdrawn_on      date,
  CONSTRAINT consent_withdrawal_after_signing CHECK (withdrawn_on IS NULL OR withdrawn_on >= signed_on)
);
CREATE INDEX consent_study_idx ON registry.consent (study_id);
SELECT audit.enable('registry.consent');

-- Every screening, eligible or not, with each failed criterion (feeds the CONSORT flow).
CREATE TABLE registry.screening (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  protocol_id     bigint NOT NULL REFERENCES registry.protocol,
  site_code       text NOT NULL REFERENCES registry.site,
  screened_on     date NOT NULL,
  eligible        boolean NOT NULL,
  failed_criteria jsonb NOT NULL DEFAULT '[]',
  study_id        text UNIQUE REFERENCES registry.patient,
  CONSTRAINT screening_enrolled_is_eligible CHECK (study_id IS NULL OR eligible)
);
CREATE INDEX screening_protocol_idx ON registry.screening (protocol_id);
SELECT audit.enable('registry.screening');

CREATE TABLE registry.allocation (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  protocol_id bigint NOT NULL REFERENCES registry.protocol,
  stratum     text NOT NULL,
  position    integer NOT NULL CHECK (position >= 0),
  arm         text NOT NULL,
  study_id    text NOT NULL UNIQUE REFERENCES registry.patient,
  CONSTRAINT allocation_stratum_position_key UNIQUE (protocol_id, stratum, position),
  FOREIGN KEY (protocol_id, arm) REFERENCES registry.protocol_arm
);
SELECT audit.enable('registry.allocation');

-- Visits: the inputs as entered (converted once to conventional units), and the scores the
-- domain engine derived from them, with the engine's version.
CREATE TABLE registry.assessment (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  study_id            text NOT NULL REFERENCES registry.patient,
  visit_code          text NOT NULL,
  assessed_on         date NOT NULL,
  sledai_descriptors  text[],
  pga                 numeric(3,2) CHECK (pga BETWEEN 0 AND 3),
  bilag               jsonb,
  eular_acr_items     text[],
  ana_titer           integer CHECK (ana_titer > 0),
  upcr                double precision CHECK (upcr >= 0),
  creatinine          double precision CHECK (creatinine > 0),
  c3                  double precision CHECK (c3 >= 0),
  c4                  double precision CHECK (c4 >= 0),
  anti_dsdna          double precision CHECK (anti_dsdna >= 0),
  bilirubin           double precision CHECK (bilirubin > 0),
  inr                 double precision CHECK (inr > 0),
  sodium              double precision CHECK (sodium > 0),
  albumin             double precision CHECK (albumin > 0),
  dialysis            boolean,
  ascites             text CHECK (ascites IN ('none', 'mild', 'moderate_severe')),
  encephalopathy      text CHECK (encephalopathy IN ('none', 'grade1_2', 'grade3_4')),
  entered             jsonb NOT NULL DEFAULT '{}',
  sledai_2k           integer CHECK (sledai_2k BETWEEN 0 AND 105),
  eular_acr_2019      integer CHECK (eular_acr_2019 >= 0),
  meld                integer CHECK (meld BETWEEN 6 AND 40),
  meld_na             integer CHECK (meld_na BETWEEN 6 AND 40),
  meld_3              integer CHECK (meld_3 BETWEEN 6 AND 40),
  child_pugh          integer CHECK (child_pugh BETWEEN 5 AND 15),
  child_pugh_class    text CHECK (child_pugh_class IN ('A', 'B', 'C')),
  engine_version      text NOT NULL,
  out_of_window       boolean NOT NULL DEFAULT false,
  deviation_reason    text,
  voided_at           timestamptz,
  void_reason         text,
  CONSTRAINT assessment_deviation_has_reason CHECK (NOT out_of_window OR deviation_reason IS NOT NULL),
  CONSTRAINT assessment_void_has_reason CHECK (voided_at IS NULL OR void_reason IS NOT NULL)
);
CREATE UNIQUE INDEX assessment_one_per_visit ON registry.assessment (study_id, visit_code)
  WHERE voided_at IS NULL;
CREATE INDEX assessment_visit_idx ON registry.assessment (visit_code, study_id) WHERE voided_at IS NULL;
SELECT audit.enable('registry.assessment');

-- Trust under the real roles (issue 11): identity behind functions, allocation concealed and
-- assigned by the database, nothing writable unaudited, no table lock a site can hold against
-- every site, every SECURITY DEFINER function with pg_temp last on its search_path.
--
-- `mscreg_guard` (NOLOGIN, cluster-wide, created once) owns the SECURITY DEFINER functions
-- below. They check the caller (session_user: the login, as the audit trail records it) first
-- and only then touch rows of any site. Application roles keep no privilege on the identity
-- table, on the counters or on the protocol's seed.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mscreg_guard') THEN
    BEGIN
      CREATE ROLE mscreg_guard NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT mscreg_guard TO %I', current_user);
  END IF;
END
$$;

GRANT USAGE ON SCHEMA registry, identity TO mscreg_guard;
GRANT SELECT ON registry.site, registry.protocol, registry.protocol_arm, registry.app_user,
  registry.msc_lot,
  registry.user_site, registry.clinical_event, registry.consent, registry.infusion
  TO mscreg_guard;
GRANT SELECT, INSERT, UPDATE ON registry.study_id_counter, registry.allocation_counter,
  identity.patient_identity TO mscreg_guard;
GRANT SELECT, INSERT ON registry.patient, registry.allocation TO mscreg_guard;
-- Row locks (FOR UPDATE of the patient, FOR SHARE of the lot) need UPDATE on the table.
GRANT UPDATE (status) ON registry.patient, registry.msc_lot TO mscreg_guard;

-- ---------------------------------------------------------------------------------------
-- Who is calling. Inside a SECURITY DEFINER function current_user is the owner, so the
-- caller is session_user: the login role, the one the audit trail records.

-- 'dba' for a superuser or a member of the schema owner (migrations, demo seed, fixtures);
-- else the caller's application role ('coordinator', 'investigator', 'monitor', 'admin'), or
-- NULL for a login that is none of these.
CREATE FUNCTION registry.caller_role() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, registry, pg_temp AS $$
  SELECT CASE
    WHEN (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = session_user)
      OR pg_catalog.pg_has_role(session_user,
           (SELECT n.nspowner FROM pg_catalog.pg_namespace n WHERE n.nspname = 'registry'), 'MEMBER')
      THEN 'dba'
    ELSE (SELECT u.role FROM registry.app_user u WHERE u.role_name = session_user)
  END
$$;
ALTER FUNCTION registry.caller_role() OWNER TO mscreg_guard;

-- True when the caller may act on rows of `site` with `need` ('read' or 'write').
CREATE FUNCTION registry.caller_may(site text, need text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, registry, pg_temp AS $$
  SELECT CASE registry.caller_role()
    WHEN 'dba' THEN true
    WHEN 'coordinator' THEN EXISTS (SELECT 1 FROM registry.user_site s
                                    WHERE s.role_name = session_user AND s.site_code = site)
    WHEN 'investigator' THEN need = 'read' AND EXISTS (
                                    SELECT 1 FROM registry.user_site s
                                    WHERE s.role_name = session_user AND s.site_code = site)
    ELSE false
  END
$$;
ALTER FUNCTION registry.caller_may(text, text) OWNER TO mscreg_guard;

-- ---------------------------------------------------------------------------------------
-- Randomization inside the database: the same stratified permuted blocks as the domain's
-- BlockRandomizer (SplitMix64 seeded with seed XOR FNV-1a-64(stratum); per block a size drawn
-- from block_sizes, the arms in protocol order ratio × size / ratio-sum times, shuffled by
-- Fisher–Yates from the last position down). Unsigned 64-bit arithmetic is done in numeric.

CREATE FUNCTION registry.u64_xor(a numeric, b numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN x < 0 THEN x::numeric + 18446744073709551616 ELSE x::numeric END
  FROM (SELECT (CASE WHEN a >= 9223372036854775808 THEN (a - 18446744073709551616)::bigint ELSE a::bigint END)
             # (CASE WHEN b >= 9223372036854775808 THEN (b - 18446744073709551616)::bigint ELSE b::bigint END) AS x) s
$$;

CREATE FUNCTION registry.fnv1a64(text) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  bytes bytea := convert_to($1, 'UTF8');
  h numeric := 14695981039346656037;
BEGIN
  FOR i IN 0 .. length(bytes) - 1 LOOP
    h := mod(registry.u64_xor(h, get_byte(bytes, i)) * 1099511628211, 18446744073709551616);
  END LOOP;
  RETURN h;
END
$$;

-- The allocation with 0-based `pos` in a stratum, walking blocks from the one that starts at
-- position `start` with generator state `state` (the state before that block's draws): the
-- arm code, and the state and start of the block that holds `pos` (to resume from there).
CREATE FUNCTION registry.block_walk(arms text[], ratios int[], block_sizes int[], state numeric,
                                    start int, pos int,
                                    OUT arm text, OUT block_state numeric, OUT block_start int)
LANGUAGE plpgsql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  m constant numeric := 18446744073709551616;
  ratio_sum int := 0;
  remaining int := greatest(pos - start, 0);
  block text[];
  size int;
  bound numeric;
  threshold numeric;
  r numeric;
  z numeric;
  j int;
  t text;
BEGIN
  block_state := state;
  block_start := start;
  IF cardinality(arms) = 1 THEN
    arm := arms[1];
    RETURN;
  END IF;
  FOR k IN 1 .. cardinality(ratios) LOOP
    ratio_sum := ratio_sum + ratios[k];
  END LOOP;
  LOOP
    block_state := state;
    -- One block: its size, then its shuffle; each draw is SplitMix64.uniform(below:).
    bound := cardinality(block_sizes);
    threshold := mod(m - bound, bound);
    LOOP
      state := mod(state + 11400714819323198485, m);
      z := state;
      z := mod(registry.u64_xor(z, div(z, 1073741824)) * 13787848793156543929, m);
      z := mod(registry.u64_xor(z, div(z, 134217728)) * 10723151780598845931, m);
      r := registry.u64_xor(z, div(z, 2147483648));
      EXIT WHEN r >= threshold;
    END LOOP;
    size := block_sizes[1 + mod(r, bound)::int];
    block := '{}';
    FOR k IN 1 .. cardinality(arms) LOOP
      block := block || array_fill(arms[k], ARRAY[ratios[k] * (size / ratio_sum)]);
    END LOOP;
    FOR i IN REVERSE cardinality(block) - 1 .. 1 LOOP
      bound := i + 1;
      threshold := mod(m - bound, bound);
      LOOP
        state := mod(state + 11400714819323198485, m);
        z := state;
        z := mod(registry.u64_xor(z, div(z, 1073741824)) * 13787848793156543929, m);
        z := mod(registry.u64_xor(z, div(z, 134217728)) * 10723151780598845931, m);
        r := registry.u64_xor(z, div(z, 2147483648));
        EXIT WHEN r >= threshold;
      END LOOP;
      j := mod(r, bound)::int;
      t := block[i + 1];
      block[i + 1] := block[j + 1];
      block[j + 1] := t;
    END LOOP;
    IF remaining < cardinality(block) THEN
      arm := block[remaining + 1];
      RETURN;
    END IF;
    remaining := remaining - cardinality(block);
    block_start := block_start + cardinality(block);
  END LOOP;
END
$$;

-- The arm code of the allocation with 0-based `pos` in `stratum`, for arms (protocol order)
-- with their ratios, block sizes and seed, walking from the first block.
CREATE FUNCTION registry.block_arm(arms text[], ratios int[], block_sizes int[], seed numeric,
                                   stratum text, pos int) RETURNS text
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
  SELECT (registry.block_walk(arms, ratios, block_sizes,
            registry.u64_xor(seed, registry.fnv1a64(stratum)), 0, pos)).arm
$$;

-- Block state: where each stratum's current block starts and the generator state before it,
-- so that an enrollment resumes there instead of walking every earlier block. Written only by
-- registry.enroll (as mscreg_guard); no application role reads or writes it (it is derived
-- from the seed, and a missing or stale row is recomputed from the first block).
CREATE TABLE registry.allocation_block (
  protocol_id bigint NOT NULL REFERENCES registry.protocol,
  stratum     text NOT NULL,
  block_start integer NOT NULL CHECK (block_start >= 0),
  state       numeric NOT NULL,
  PRIMARY KEY (protocol_id, stratum)
);
REVOKE ALL ON registry.allocation_block FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON registry.allocation_block TO mscreg_guard;

ALTER FUNCTION registry.block_walk(text[], int[], int[], numeric, int, int) OWNER TO mscreg_guard;
REVOKE ALL ON FUNCTION registry.block_walk(text[], int[], int[], numeric, int, int) FROM PUBLIC;
ALTER FUNCTION registry.u64_xor(numeric, numeric) OWNER TO mscreg_guard;
ALTER FUNCTION registry.fnv1a64(text) OWNER TO mscreg_guard;
ALTER FUNCTION registry.block_arm(text[], int[], int[], numeric, text, int) OWNER TO mscreg_guard;
REVOKE ALL ON FUNCTION registry.u64_xor(numeric, numeric), registry.fnv1a64(text),
  registry.block_arm(text[], int[], int[], numeric, text, int) FROM PUBLIC;

-- ---------------------------------------------------------------------------------------
-- Enrollment: the study ID and the arm are assigned here, inside the enrolling transaction.
-- The caller must be a coordinator of `site` (or the DBA). The caller's service has checked
-- eligibility and consent; this function takes the next gapless study number of the protocol
-- code and site, the next position of the stratum, draws the arm, and writes the patient, its
-- identity and its allocation. No application role can write those tables or the counters.

-- The counters are audited (below); their UPDATE needs a reason, given here when the
-- transaction has none and put back afterwards.
CREATE FUNCTION registry.enroll(
  p_protocol_id bigint, p_site text, p_sex text, p_birth_year int, p_age int, p_enrolled_on date,
  p_mrn text, p_given text, p_family text, p_birth_date date, p_contact text
) RETURNS TABLE (study_id text, arm text, seq int)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, registry, identity, pg_temp AS $$
DECLARE
  pr registry.protocol;
  number int;
  pos int;
  v_stratum text;
  sid text;
  chosen text;
  arm_codes text[];
  arm_ratios int[];
  sizes int[];
  seed numeric;
  cached_start int;
  cached_state numeric;
  walked record;
  prior_reason text := current_setting('mscreg.reason', true);
BEGIN
  IF NOT registry.caller_may(p_site, 'write') THEN
    RAISE EXCEPTION 'permission denied: % may not enroll patients at site %', session_user, p_site
      USING ERRCODE = '42501';
  END IF;
  SELECT * INTO pr FROM registry.protocol WHERE id = p_protocol_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no protocol with id %', p_protocol_id USING ERRCODE = '23503';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM registry.site WHERE code = p_site) THEN
    RAISE EXCEPTION 'no site %', p_site USING ERRCODE = 'MR051', COLUMN = '--site';
  END IF;
  IF EXISTS (SELECT 1 FROM identity.patient_identity i
             WHERE i.protocol_code = pr.code AND i.mrn = p_mrn) THEN
    RAISE EXCEPTION 'this MRN is already enrolled in %', pr.code
      USING ERRCODE = 'MR050', COLUMN = '--mrn';
  END IF;
  PERFORM set_config('mscreg.reason', coalesce(nullif(btrim(prior_reason), ''),
                                                'enrollment: next study number and allocation'), true);
  INSERT INTO registry.study_id_counter AS c (protocol_code, site_code, last_number)
  VALUES (pr.code, p_site, 1)
  ON CONFLICT (protocol_code, site_code) DO UPDATE SET last_number = c.last_number + 1
  RETURNING c.last_number INTO number;
  v_stratum := CASE WHEN coalesce(pr.definition #> '{randomization,stratify_by}', '[]') ? 'site'
                  THEN p_site ELSE '*' END;
  INSERT INTO registry.allocation_counter AS c (protocol_id, stratum, allocated)
  VALUES (pr.id, v_stratum, 1)
  ON CONFLICT (protocol_id, stratum) DO UPDATE SET allocated = c.allocated + 1
  RETURNING c.allocated - 1 INTO pos;
  PERFORM set_config('mscreg.reason', coalesce(prior_reason, ''), true);

  SELECT array_agg(a ->> 'code' ORDER BY o), array_agg((a ->> 'ratio')::int ORDER BY o)
    INTO arm_codes, arm_ratios
    FROM jsonb_array_elements(pr.definition -> 'arms') WITH ORDINALITY AS x(a, o);
  SELECT coalesce(array_agg(b::int ORDER BY o), ARRAY[(SELECT sum(r) FROM unnest(arm_ratios) r)::int])
    INTO sizes
    FROM jsonb_array_elements_text(pr.definition #> '{randomization,block_sizes}') WITH ORDINALITY AS y(b, o);
  seed := coalesce((pr.definition #>> '{randomization,seed}')::numeric, 0);
  SELECT b.block_start, b.state INTO cached_start, cached_state FROM registry.allocation_block b
    WHERE b.protocol_id = pr.id AND b.stratum = v_stratum FOR UPDATE;
  IF cached_start IS NULL OR cached_start > pos THEN
    cached_start := 0;
    cached_state := registry.u64_xor(seed, registry.fnv1a64(v_stratum));
  END IF;
  walked := registry.block_walk(arm_codes, arm_ratios, sizes, cached_state, cached_start, pos);
  chosen := walked.arm;
  INSERT INTO registry.allocation_block AS b (protocol_id, stratum, block_start, state)
  VALUES (pr.id, v_stratum, walked.block_start, walked.block_state)
  ON CONFLICT (protocol_id, stratum) DO UPDATE
    SET block_start = EXCLUDED.block_start, state = EXCLUDED.state;

  IF number > 9999 THEN
    RAISE EXCEPTION 'site % has used all 9999 study IDs of %', p_site, pr.code
      USING ERRCODE = 'MR052', COLUMN = '--site';
  END IF;
  sid := pr.study_id_prefix || '-' || p_site || '-' || lpad(number::text, 4, '0');
  INSERT INTO registry.patient (study_id, protocol_id, protocol_code, site_code, seq, sex,
    birth_year, age_at_enrollment, enrolled_on, arm, status)
  VALUES (sid, pr.id, pr.code, p_site, number, p_sex, p_birth_year, p_age, p_enrolled_on,
    chosen, 'enrolled');
  INSERT INTO identity.patient_identity
    (study_id, protocol_code, mrn, given_name, family_name, birth_date, contact)
  VALUES (sid, pr.code, p_mrn, p_given, p_family, p_birth_date, p_contact);
  INSERT INTO registry.allocation (protocol_id, stratum, position, arm, study_id)
  VALUES (pr.id, v_stratum, pos, chosen, sid);
  study_id := sid;
  arm := chosen;
  seq := number;
  RETURN NEXT;
END
$$;
ALTER FUNCTION registry.enroll(bigint, text, text, int, int, date, text, text, text, date, text)
  OWNER TO mscreg_guard;
REVOKE ALL ON FUNCTION registry.enroll(bigint, text, text, int, int, date, text, text, text, date, text)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION registry.enroll(bigint, text, text, int, int, date, text, text, text, date, text)
  TO mscreg_coordinator;

-- The deliberate disclosure of the duplicate-MRN rule: whether an MRN is enrolled in a
-- protocol code (any site). Returns NULL when not, the study ID when it is a patient of the
-- caller's sites, and '' when it is enrolled at a site the caller does not see. One unique
-- index probe, whatever the sites.
CREATE FUNCTION registry.mrn_enrolled(p_protocol_code text, p_mrn text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, registry, identity, pg_temp AS $$
DECLARE
  sid text;
  site text;
BEGIN
  IF NOT coalesce(registry.caller_role() IN ('dba', 'coordinator'), false) THEN
    RAISE EXCEPTION 'permission denied: only coordinators check MRNs at enrollment'
      USING ERRCODE = '42501';
  END IF;
  SELECT i.study_id INTO sid FROM identity.patient_identity i
    WHERE i.protocol_code = p_protocol_code AND i.mrn = p_mrn;
  IF sid IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT p.site_code INTO site FROM registry.patient p WHERE p.study_id = sid;
  RETURN CASE WHEN registry.caller_may(site, 'read') THEN sid ELSE '' END;
END
$$;
ALTER FUNCTION registry.mrn_enrolled(text, text) OWNER TO mscreg_guard;
REVOKE ALL ON FUNCTION registry.mrn_enrolled(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION registry.mrn_enrolled(text, text) TO mscreg_coordinator;

-- The identity of one patient, for coordinators and investigators of the patient's site.
-- The site is checked first, from the research row (by primary key); for a patient of
-- another site, or no patient, the answer is empty and no identity row is read. Monitors and
-- admins never read identity (insufficient_privilege).
CREATE FUNCTION registry.patient_identity(p_study_id text)
RETURNS TABLE (mrn text, given_name text, family_name text, birth_date date, contact text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, registry, identity, pg_temp AS $$
DECLARE
  site text;
BEGIN
  IF NOT coalesce(registry.caller_role() IN ('dba', 'coordinator', 'investigator'), false) THEN
    RAISE EXCEPTION 'permission denied: % does not read identity', session_user
      USING ERRCODE = '42501';
  END IF;
  SELECT p.site_code INTO site FROM registry.patient p WHERE p.study_id = p_study_id;
  IF site IS NULL OR NOT registry.caller_may(site, 'read') THEN
    RETURN;
  END IF;
  RETURN QUERY SELECT i.mrn, i.given_name, i.family_name, i.birth_date, i.contact
    FROM identity.patient_identity i WHERE i.study_id = p_study_id;
END
$$;
ALTER FUNCTION registry.patient_identity(text) OWNER TO mscreg_guard;
REVOKE ALL ON FUNCTION registry.patient_identity(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION registry.patient_identity(text)
  TO mscreg_coordinator, mscreg_investigator, mscreg_monitor, mscreg_admin;

-- Corrects a patient's identity (coordinators of the patient's site). Returns the number of
-- rows changed: 0 for a patient the caller does not see.
CREATE FUNCTION registry.amend_identity(p_study_id text, p_mrn text, p_given text, p_family text,
                                        p_birth_date date, p_contact text) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, registry, identity, pg_temp AS $$
DECLARE
  site text;
  n int;
BEGIN
  IF NOT coalesce(registry.caller_role() IN ('dba', 'coordinator'), false) THEN
    RAISE EXCEPTION 'permission denied: % does not write identity', session_user
      USING ERRCODE = '42501';
  END IF;
  SELECT p.site_code INTO site FROM registry.patient p WHERE p.study_id = p_study_id;
  IF site IS NULL OR NOT registry.caller_may(site, 'write') THEN
    RETURN 0;
  END IF;
  UPDATE identity.patient_identity
    SET mrn = p_mrn, given_name = p_given, family_name = p_family, birth_date = p_birth_date,
        contact = p_contact
    WHERE study_id = p_study_id;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
ALTER FUNCTION registry.amend_identity(text, text, text, text, date, text) OWNER TO mscreg_guard;
REVOKE ALL ON FUNCTION registry.amend_identity(text, text, text, text, date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION registry.amend_identity(text, text, text, text, date, text)
  TO mscreg_coordinator;

-- Locks a lot FOR SHARE for an infusion being recorded (coordinators have no UPDATE on lots,
-- which FOR SHARE needs). Returns false for an unknown lot.
CREATE FUNCTION registry.lock_lot_for_infusion(p_lot text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, registry, pg_temp AS $$
BEGIN
  IF NOT coalesce(registry.caller_role() IN ('dba', 'coordinator'), false) THEN
    RAISE EXCEPTION 'permission denied: % does not record infusions', session_user
      USING ERRCODE = '42501';
  END IF;
  PERFORM 1 FROM registry.msc_lot WHERE lot_number = p_lot FOR SHARE;
  RETURN FOUND;
END
$$;
ALTER FUNCTION registry.lock_lot_for_infusion(text) OWNER TO mscreg_guard;
REVOKE ALL ON FUNCTION registry.lock_lot_for_infusion(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION registry.lock_lot_for_infusion(text) TO mscreg_coordinator;

-- The infusion gate of 0004 reads the protocol's treatment, locks the patient and the lot:
-- it now runs as mscreg_guard, so that coordinators need neither the protocol's definition
-- nor UPDATE on lots (the bug of issue 11: `infuse` as a coordinator failed with exit 77).
ALTER FUNCTION registry.check_infusion_lot() OWNER TO mscreg_guard;
ALTER FUNCTION registry.check_infusion_lot() SECURITY DEFINER;
ALTER FUNCTION registry.check_infusion_lot() SET search_path = pg_catalog, registry, pg_temp;

-- ---------------------------------------------------------------------------------------
-- Privileges. Identity: no application role reads or writes the table.
REVOKE ALL ON identity.patient_identity FROM mscreg_coordinator, mscreg_investigator,
  mscreg_monitor, mscreg_admin;
REVOKE USAGE ON SCHEMA identity FROM mscreg_coordinator, mscreg_investigator;

-- Counters and the allocation: written only by registry.enroll; counters read by admins only.
REVOKE ALL ON registry.study_id_counter, registry.allocation_counter
  FROM mscreg_coordinator, mscreg_investigator, mscreg_monitor;
REVOKE INSERT, UPDATE ON registry.allocation FROM mscreg_coordinator;

-- Patients: inserted only by registry.enroll; coordinators correct demographics and status,
-- never the study ID, site, protocol or arm. UPDATE is granted per column everywhere, so that
-- no site role holds the table-level UPDATE that LOCK TABLE (SHARE mode and above) needs.
REVOKE INSERT, UPDATE ON registry.patient FROM mscreg_coordinator;
GRANT UPDATE (sex, birth_year, age_at_enrollment, status, status_on) ON registry.patient
  TO mscreg_coordinator;
REVOKE UPDATE ON registry.consent, registry.screening, registry.assessment, registry.infusion,
  registry.adverse_event, registry.clinical_event FROM mscreg_coordinator;
DO $$
DECLARE
  t text;
  cols text;
BEGIN
  FOREACH t IN ARRAY ARRAY['consent', 'screening', 'assessment', 'infusion', 'adverse_event',
                           'clinical_event'] LOOP
    SELECT string_agg(quote_ident(attname), ', ') INTO cols
      FROM pg_attribute
      WHERE attrelid = format('registry.%I', t)::regclass AND attnum > 0 AND NOT attisdropped
        AND attname NOT IN ('id', 'study_id', 'protocol_id', 'site_code', 'created_at');
    EXECUTE format('GRANT UPDATE (%s) ON registry.%I TO mscreg_coordinator', cols, t);
  END LOOP;
END
$$;
-- Admins: UPDATE of lots and sites per column too (the lot's status workflow, a site's name).
REVOKE UPDATE ON registry.site, registry.protocol, registry.protocol_arm, registry.msc_lot
  FROM mscreg_admin;
GRANT UPDATE (name, country) ON registry.site TO mscreg_admin;
GRANT UPDATE (status, status_reason, status_changed_at) ON registry.msc_lot TO mscreg_admin;

-- The protocol's seed: only admins (who load the file that holds it) read `source`,
-- `definition` and the checksum of the file (which would let anyone search for the seed).
-- Everyone else reads the sealed copies, whose seed is 0.
ALTER TABLE registry.protocol
  ADD COLUMN sealed_source text GENERATED ALWAYS AS
    (regexp_replace(source, '(seed[[:space:]]*:[[:space:]]*)[^,}[:space:]]+', '\10', 'g')) STORED,
  ADD COLUMN sealed_definition jsonb GENERATED ALWAYS AS
    (CASE WHEN definition #> '{randomization,seed}' IS NOT NULL
          THEN jsonb_set(definition, '{randomization,seed}', '0') ELSE definition END) STORED;
-- (convert_to is STABLE only because of the client encoding's name lookup; the database's
-- encoding never changes, so the hex SHA-256 of a text's UTF-8 bytes is immutable here.)
CREATE FUNCTION registry.utf8_sha256(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')
$$;
ALTER TABLE registry.protocol
  ADD COLUMN sealed_checksum text GENERATED ALWAYS AS (registry.utf8_sha256(
      regexp_replace(source, '(seed[[:space:]]*:[[:space:]]*)[^,}[:space:]]+', '\10', 'g'))) STORED;
REVOKE SELECT ON registry.protocol FROM mscreg_coordinator, mscreg_investigator, mscreg_monitor;
GRANT SELECT (id, code, version, title, condition, study_id_prefix, loaded_at, sealed_source,
              sealed_definition, sealed_checksum)
  ON registry.protocol TO mscreg_coordinator, mscreg_investigator, mscreg_monitor;

-- ---------------------------------------------------------------------------------------
-- Nothing writable unaudited: the arms (now also immutable, like their protocol) and the
-- counters carry the audit trigger.
CREATE FUNCTION registry.refuse_arm_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, registry, pg_temp AS $$
BEGIN
  RAISE EXCEPTION 'arm % of protocol % is immutable once loaded; load a new version',
    OLD.code, OLD.protocol_id USING ERRCODE = 'MR010';
END
$$;
CREATE TRIGGER protocol_arm_immutable BEFORE UPDATE OR DELETE ON registry.protocol_arm
  FOR EACH ROW EXECUTE FUNCTION registry.refuse_arm_change();
SELECT audit.enable('registry.protocol_arm', 'code');
SELECT audit.enable('registry.study_id_counter', 'site_code');
SELECT audit.enable('registry.allocation_counter', 'stratum');

-- ---------------------------------------------------------------------------------------
-- search_path of every SECURITY DEFINER function ends with pg_temp (otherwise pg_temp is
-- searched first, and a temporary object could stand in for a real one).
ALTER FUNCTION registry.create_user(text, text, text[]) SET search_path = pg_catalog, registry, pg_temp;
ALTER FUNCTION audit.capture() SET search_path = pg_catalog, audit, identity, pg_temp;

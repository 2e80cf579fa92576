-- Set-wise enrollment for `patient import` (issue 17): the rules of registry.enroll (0030)
-- applied to a whole batch in a few statements instead of a dozen per row.
--
-- registry.enroll_batch takes the batch as an array of candidates in file order (the caller
-- stages its file with COPY into a temporary table of its own and passes the rows up to the
-- first refused one). Like registry.enroll it runs as mscreg_guard: it checks that the caller
-- may write at every site, takes the next gapless study numbers of each site and the next
-- positions of each stratum (one counter update per site and stratum), draws every arm from
-- the protocol's concealed blocks in file order, so that a batch is allocated exactly as the
-- same rows enrolled one by one, and writes the patients, identities and allocations with one
-- INSERT each. The client chooses neither study IDs nor arms and reads neither the seed nor
-- the counters. Every INSERT and UPDATE goes through the tables' audit triggers.
--
-- registry.mrns_enrolled is registry.mrn_enrolled over a set of MRNs (the duplicate-MRN rule
-- checked for a whole file in one index join): for each MRN already enrolled in the protocol
-- code, the study ID when it is a patient of the caller's sites, '' otherwise.

CREATE TYPE registry.enrollment_candidate AS (
  line        int,
  site        text,
  sex         text,
  birth_year  int,
  age         int,
  enrolled_on date,
  mrn         text,
  given       text,
  family      text,
  birth_date  date,
  contact     text
);

CREATE FUNCTION registry.enroll_batch(p_protocol_id bigint, p_rows registry.enrollment_candidate[])
RETURNS TABLE (line int, study_id text, arm text, seq int)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, registry, identity, pg_temp AS $$
DECLARE
  pr registry.protocol;
  n int;
  bad record;
  by_site boolean;
  v_strata text[];
  v_numbers int[];
  v_positions int[];
  v_sids text[];
  v_arms text[];
  arm_codes text[];
  arm_ratios int[];
  sizes int[];
  seed numeric;
  st record;
  k record;
  cached_start int;
  cached_state numeric;
  walked record;
  prior_reason text := current_setting('mscreg.reason', true);
BEGIN
  p_rows := ARRAY(SELECT r FROM unnest(p_rows) r ORDER BY r.line);
  n := coalesce(cardinality(p_rows), 0);
  IF n = 0 THEN
    RETURN;
  END IF;
  SELECT c.site INTO bad FROM (
    SELECT r.site, min(r.line) AS first FROM unnest(p_rows) r GROUP BY r.site) c
    WHERE NOT registry.caller_may(c.site, 'write') ORDER BY c.first LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'permission denied: % may not enroll patients at site %', session_user, bad.site
      USING ERRCODE = '42501';
  END IF;
  SELECT * INTO pr FROM registry.protocol WHERE id = p_protocol_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no protocol with id %', p_protocol_id USING ERRCODE = '23503';
  END IF;
  SELECT r.site INTO bad FROM unnest(p_rows) r
    WHERE NOT EXISTS (SELECT 1 FROM registry.site s WHERE s.code = r.site) ORDER BY r.line LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'no site %', bad.site USING ERRCODE = 'MR051', COLUMN = '--site';
  END IF;
  SELECT r.line INTO bad FROM (
    SELECT r.line, r.mrn, count(*) OVER (PARTITION BY r.mrn ORDER BY r.line) AS nth
    FROM unnest(p_rows) r) r
    WHERE r.nth > 1 OR EXISTS (SELECT 1 FROM identity.patient_identity i
                               WHERE i.protocol_code = pr.code AND i.mrn = r.mrn)
    ORDER BY r.line LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'this MRN is already enrolled in %', pr.code
      USING ERRCODE = 'MR050', COLUMN = '--mrn';
  END IF;

  -- The counters: one update per site and per stratum, numbers and positions in file order.
  by_site := coalesce(pr.definition #> '{randomization,stratify_by}', '[]') ? 'site';
  PERFORM set_config('mscreg.reason', coalesce(nullif(btrim(prior_reason), ''),
                                                'enrollment: next study number and allocation'), true);
  WITH cnt AS (
    SELECT r.site, count(*)::int AS n FROM unnest(p_rows) r GROUP BY r.site
  ), up AS (
    INSERT INTO registry.study_id_counter AS c (protocol_code, site_code, last_number)
    SELECT pr.code, cnt.site, cnt.n FROM cnt ORDER BY cnt.site
    ON CONFLICT (protocol_code, site_code) DO UPDATE SET last_number = c.last_number + EXCLUDED.last_number
    RETURNING c.site_code, c.last_number
  ), s AS (
    SELECT up.site_code, up.last_number - cnt.n AS base FROM up JOIN cnt ON cnt.site = up.site_code
  )
  SELECT array_agg(w.num ORDER BY w.line) INTO v_numbers FROM (
    SELECT r.line, (s.base + row_number() OVER (PARTITION BY r.site ORDER BY r.line))::int AS num
    FROM unnest(p_rows) r JOIN s ON s.site_code = r.site) w;
  v_strata := ARRAY(SELECT CASE WHEN by_site THEN r.site ELSE '*' END FROM unnest(p_rows) r
                    ORDER BY r.line);
  WITH cnt AS (
    SELECT x.stratum, count(*)::int AS n FROM unnest(v_strata) x(stratum) GROUP BY x.stratum
  ), up AS (
    INSERT INTO registry.allocation_counter AS c (protocol_id, stratum, allocated)
    SELECT pr.id, cnt.stratum, cnt.n FROM cnt ORDER BY cnt.stratum
    ON CONFLICT (protocol_id, stratum) DO UPDATE SET allocated = c.allocated + EXCLUDED.allocated
    RETURNING c.stratum, c.allocated
  ), s AS (
    SELECT up.stratum, up.allocated - cnt.n AS base FROM up JOIN cnt ON cnt.stratum = up.stratum
  )
  SELECT array_agg(w.pos ORDER BY w.o) INTO v_positions FROM (
    SELECT x.o, (s.base + row_number() OVER (PARTITION BY x.stratum ORDER BY x.o) - 1)::int AS pos
    FROM unnest(v_strata) WITH ORDINALITY x(stratum, o) JOIN s ON s.stratum = x.stratum) w;
  PERFORM set_config('mscreg.reason', coalesce(prior_reason, ''), true);

  SELECT r.line INTO bad FROM unnest(p_rows) WITH ORDINALITY r
    WHERE v_numbers[r.ordinality::int] > 9999 ORDER BY r.line LIMIT 1;
  IF FOUND THEN
    SELECT r.site INTO bad FROM unnest(p_rows) r WHERE r.line = bad.line;
    RAISE EXCEPTION 'site % has used all 9999 study IDs of %', bad.site, pr.code
      USING ERRCODE = 'MR052', COLUMN = '--site';
  END IF;

  -- The arms: each stratum's blocks walked once, from its cached block to its last position.
  SELECT array_agg(a ->> 'code' ORDER BY o), array_agg((a ->> 'ratio')::int ORDER BY o)
    INTO arm_codes, arm_ratios
    FROM jsonb_array_elements(pr.definition -> 'arms') WITH ORDINALITY AS x(a, o);
  SELECT coalesce(array_agg(b::int ORDER BY o), ARRAY[(SELECT sum(r) FROM unnest(arm_ratios) r)::int])
    INTO sizes
    FROM jsonb_array_elements_text(pr.definition #> '{randomization,block_sizes}') WITH ORDINALITY AS y(b, o);
  seed := coalesce((pr.definition #>> '{randomization,seed}')::numeric, 0);
  v_arms := array_fill(NULL::text, ARRAY[n]);
  FOR st IN SELECT DISTINCT x.stratum FROM unnest(v_strata) x(stratum) ORDER BY 1 LOOP
    SELECT b.block_start, b.state INTO cached_start, cached_state FROM registry.allocation_block b
      WHERE b.protocol_id = pr.id AND b.stratum = st.stratum FOR UPDATE;
    FOR k IN SELECT x.o::int AS o FROM unnest(v_strata) WITH ORDINALITY x(stratum, o)
             WHERE x.stratum = st.stratum ORDER BY x.o LOOP
      IF cached_start IS NULL OR cached_start > v_positions[k.o] THEN
        cached_start := 0;
        cached_state := registry.u64_xor(seed, registry.fnv1a64(st.stratum));
      END IF;
      walked := registry.block_walk(arm_codes, arm_ratios, sizes, cached_state, cached_start,
                                    v_positions[k.o]);
      v_arms[k.o] := walked.arm;
      cached_start := walked.block_start;
      cached_state := walked.block_state;
    END LOOP;
    INSERT INTO registry.allocation_block AS b (protocol_id, stratum, block_start, state)
    VALUES (pr.id, st.stratum, cached_start, cached_state)
    ON CONFLICT (protocol_id, stratum) DO UPDATE
      SET block_start = EXCLUDED.block_start, state = EXCLUDED.state;
  END LOOP;

  v_sids := ARRAY(SELECT pr.study_id_prefix || '-' || r.site || '-' || lpad(v_numbers[r.o::int]::text, 4, '0')
                  FROM unnest(p_rows) WITH ORDINALITY r(line, site, sex, birth_year, age, enrolled_on,
                    mrn, given, family, birth_date, contact, o)
                  ORDER BY r.o);
  INSERT INTO registry.patient (study_id, protocol_id, protocol_code, site_code, seq, sex,
    birth_year, age_at_enrollment, enrolled_on, arm, status)
  SELECT v_sids[r.o::int], pr.id, pr.code, r.site, v_numbers[r.o::int], r.sex, r.birth_year, r.age,
    r.enrolled_on, v_arms[r.o::int], 'enrolled'
  FROM unnest(p_rows) WITH ORDINALITY r(line, site, sex, birth_year, age, enrolled_on, mrn, given,
    family, birth_date, contact, o)
  ORDER BY r.o;
  INSERT INTO identity.patient_identity
    (study_id, protocol_code, mrn, given_name, family_name, birth_date, contact)
  SELECT v_sids[r.o::int], pr.code, r.mrn, r.given, r.family, r.birth_date, r.contact
  FROM unnest(p_rows) WITH ORDINALITY r(line, site, sex, birth_year, age, enrolled_on, mrn, given,
    family, birth_date, contact, o)
  ORDER BY r.o;
  INSERT INTO registry.allocation (protocol_id, stratum, position, arm, study_id)
  SELECT pr.id, v_strata[x.o], v_positions[x.o::int], v_arms[x.o], v_sids[x.o]
  FROM generate_series(1, n) x(o)
  ORDER BY x.o;
  RETURN QUERY
    SELECT r.line, v_sids[r.o::int], v_arms[r.o::int], v_numbers[r.o::int]
    FROM unnest(p_rows) WITH ORDINALITY r(line, site, sex, birth_year, age, enrolled_on, mrn,
      given, family, birth_date, contact, o)
    ORDER BY r.o;
END
$$;
ALTER FUNCTION registry.enroll_batch(bigint, registry.enrollment_candidate[]) OWNER TO mscreg_guard;
REVOKE ALL ON FUNCTION registry.enroll_batch(bigint, registry.enrollment_candidate[]) FROM PUBLIC;

CREATE FUNCTION registry.mrns_enrolled(p_protocol_code text, p_mrns text[])
RETURNS TABLE (mrn text, study_id text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, registry, identity, pg_temp AS $$
BEGIN
  IF NOT coalesce(registry.caller_role() IN ('dba', 'coordinator'), false) THEN
    RAISE EXCEPTION 'permission denied: only coordinators check MRNs at enrollment'
      USING ERRCODE = '42501';
  END IF;
  RETURN QUERY
    SELECT i.mrn, CASE WHEN registry.caller_may(p.site_code, 'read') THEN i.study_id ELSE '' END
    FROM identity.patient_identity i JOIN registry.patient p ON p.study_id = i.study_id
    WHERE i.protocol_code = p_protocol_code AND i.mrn = ANY(p_mrns);
END
$$;
ALTER FUNCTION registry.mrns_enrolled(text, text[]) OWNER TO mscreg_guard;
REVOKE ALL ON FUNCTION registry.mrns_enrolled(text, text[]) FROM PUBLIC;

-- This registry's coordinators (0032: grants go to registry.app_role, not a cluster-wide role).
DO $$
BEGIN
  EXECUTE format('GRANT EXECUTE ON FUNCTION registry.enroll_batch(bigint, registry.enrollment_candidate[]) TO %I',
                 registry.app_role('coordinator'));
  EXECUTE format('GRANT EXECUTE ON FUNCTION registry.mrns_enrolled(text, text[]) TO %I',
                 registry.app_role('coordinator'));
END
$$;

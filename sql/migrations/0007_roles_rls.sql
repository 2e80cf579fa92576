-- Access control: group roles, GRANTs, row-level security (FORCEd), user management.
--
-- Roles (cluster-wide, NOLOGIN; people log in as their own roles, members of one of these):
--   mscreg_coordinator   read and write patients of their sites (identity included)
--   mscreg_investigator  read patients of their sites (identity included)
--   mscreg_monitor       read every site, never identity; read the audit trail
--   mscreg_admin         manage sites, protocols, lots and users; read every site, no identity
--   mscreg_user_manager  owns registry.create_user (CREATEROLE); no one logs in as it
-- No application role owns a table, is superuser, or has BYPASSRLS; RLS is FORCEd, so the
-- same rules hold in a psql session under the same login.

DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['mscreg_coordinator', 'mscreg_investigator', 'mscreg_monitor',
                           'mscreg_admin'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', r);
    END IF;
  END LOOP;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mscreg_user_manager') THEN
    CREATE ROLE mscreg_user_manager NOLOGIN NOSUPERUSER NOBYPASSRLS CREATEROLE;
  END IF;
END
$$;

-- Who may see which site. Rows are written only by registry.create_user.
CREATE TABLE registry.app_user (
  role_name  text PRIMARY KEY CONSTRAINT app_user_name_format CHECK (role_name ~ '^[a-z][a-z0-9_]{1,39}$'),
  role       text NOT NULL CONSTRAINT app_user_role CHECK (role IN ('coordinator', 'investigator', 'monitor', 'admin')),
  created_at timestamptz NOT NULL DEFAULT now()
);
SELECT audit.enable('registry.app_user', 'role_name');

CREATE TABLE registry.user_site (
  role_name text NOT NULL REFERENCES registry.app_user,
  site_code text NOT NULL REFERENCES registry.site,
  PRIMARY KEY (role_name, site_code)
);
SELECT audit.enable('registry.user_site', 'role_name');

-- True for roles that see every site: monitors, admins, and roles outside the application
-- (the owner or a DBA; they hold no GRANTs beyond what they own).
CREATE FUNCTION registry.sees_all_sites() RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT NOT (pg_has_role(current_user, 'mscreg_coordinator', 'MEMBER')
           OR pg_has_role(current_user, 'mscreg_investigator', 'MEMBER'))
$$;

-- The sites of the current role (coordinators and investigators).
CREATE FUNCTION registry.my_sites() RETURNS text[]
LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(site_code), '{}') FROM registry.user_site WHERE role_name = current_user
$$;

ALTER TABLE registry.user_site ENABLE ROW LEVEL SECURITY;
ALTER TABLE registry.user_site FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON registry.user_site
  USING ((SELECT registry.sees_all_sites()) OR role_name = current_user);

-- Creates (or reuses) a login role, makes it a member of the group role, records its sites.
CREATE FUNCTION registry.create_user(name text, app_role text, sites text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, registry AS $$
DECLARE
  s text;
BEGIN
  IF name !~ '^[a-z][a-z0-9_]{1,39}$' THEN
    RAISE EXCEPTION 'user name % must be 2–40 lower-case letters, digits or _, starting with a letter', name
      USING ERRCODE = 'MR040', COLUMN = 'NAME';
  END IF;
  IF name LIKE 'mscreg\_%' OR name IN ('postgres', 'public') THEN
    RAISE EXCEPTION 'user name % is reserved', name USING ERRCODE = 'MR040', COLUMN = 'NAME';
  END IF;
  IF app_role NOT IN ('coordinator', 'investigator', 'monitor', 'admin') THEN
    RAISE EXCEPTION 'role % is not coordinator, investigator, monitor or admin', app_role
      USING ERRCODE = 'MR040', COLUMN = '--role';
  END IF;
  IF app_role IN ('coordinator', 'investigator') AND coalesce(cardinality(sites), 0) = 0 THEN
    RAISE EXCEPTION 'a % needs at least one --site', app_role USING ERRCODE = 'MR040', COLUMN = '--site';
  END IF;
  IF app_role IN ('monitor', 'admin') AND coalesce(cardinality(sites), 0) > 0 THEN
    RAISE EXCEPTION 'a % sees every site; give no --site', app_role USING ERRCODE = 'MR040', COLUMN = '--site';
  END IF;
  IF EXISTS (SELECT 1 FROM registry.app_user WHERE role_name = name) THEN
    RAISE EXCEPTION 'user % already exists in this registry', name USING ERRCODE = 'MR040', COLUMN = 'NAME';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name AND (rolsuper OR rolbypassrls)) THEN
    RAISE EXCEPTION 'role % is a superuser or bypasses RLS; it cannot be an application user', name
      USING ERRCODE = 'MR040', COLUMN = 'NAME';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name) THEN
    EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', name);
  END IF;
  EXECUTE format('GRANT %I TO %I', 'mscreg_' || app_role, name);
  INSERT INTO registry.app_user (role_name, role) VALUES (name, app_role);
  FOREACH s IN ARRAY coalesce(sites, '{}') LOOP
    INSERT INTO registry.user_site (role_name, site_code) VALUES (name, s);
  END LOOP;
END
$$;
ALTER FUNCTION registry.create_user(text, text, text[]) OWNER TO mscreg_user_manager;
REVOKE ALL ON FUNCTION registry.create_user(text, text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION registry.create_user(text, text, text[]) TO mscreg_admin;
GRANT USAGE ON SCHEMA registry TO mscreg_user_manager;
GRANT SELECT, INSERT ON registry.app_user, registry.user_site TO mscreg_user_manager;
GRANT SELECT ON registry.site TO mscreg_user_manager;

-- Event voids restore the status from the event itself, not from the audit trail.
ALTER TABLE registry.clinical_event ADD COLUMN prior_status text, ADD COLUMN prior_status_on date;

-- Schemas.
GRANT USAGE ON SCHEMA registry TO mscreg_coordinator, mscreg_investigator, mscreg_monitor, mscreg_admin;
GRANT USAGE ON SCHEMA identity TO mscreg_coordinator, mscreg_investigator;
GRANT USAGE ON SCHEMA audit TO mscreg_monitor, mscreg_admin;
REVOKE ALL ON SCHEMA identity FROM PUBLIC;

-- Reference data: everyone reads; admins write.
GRANT SELECT ON registry.site, registry.protocol, registry.protocol_arm, registry.msc_lot
  TO mscreg_coordinator, mscreg_investigator, mscreg_monitor, mscreg_admin;
GRANT INSERT, UPDATE ON registry.site, registry.protocol, registry.protocol_arm, registry.msc_lot
  TO mscreg_admin;
GRANT SELECT ON registry.app_user TO mscreg_admin;
GRANT SELECT ON registry.user_site TO mscreg_coordinator, mscreg_investigator, mscreg_monitor, mscreg_admin;

-- Patient data: coordinators read and write; investigators, monitors and admins read.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['patient', 'consent', 'screening', 'allocation', 'assessment',
                           'infusion', 'adverse_event', 'clinical_event',
                           'study_id_counter', 'allocation_counter'] LOOP
    EXECUTE format('GRANT SELECT, INSERT, UPDATE ON registry.%I TO mscreg_coordinator', t);
    EXECUTE format('GRANT SELECT ON registry.%I TO mscreg_investigator, mscreg_monitor, mscreg_admin', t);
    EXECUTE format('ALTER TABLE registry.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE registry.%I FORCE ROW LEVEL SECURITY', t);
  END LOOP;
END
$$;
GRANT SELECT, INSERT, UPDATE ON identity.patient_identity TO mscreg_coordinator;
GRANT SELECT ON identity.patient_identity TO mscreg_investigator;
ALTER TABLE identity.patient_identity ENABLE ROW LEVEL SECURITY;
ALTER TABLE identity.patient_identity FORCE ROW LEVEL SECURITY;
GRANT SELECT ON audit.log TO mscreg_monitor, mscreg_admin;

-- Row-level security. Tables with a site code check it; tables keyed by study ID defer to
-- the patient's row (itself filtered). `(SELECT …)` makes PostgreSQL evaluate the role test
-- once per statement, not once per row.
CREATE POLICY by_site ON registry.patient
  USING ((SELECT registry.sees_all_sites()) OR site_code = ANY ((SELECT registry.my_sites())::text[]));
CREATE POLICY by_site ON registry.study_id_counter
  USING ((SELECT registry.sees_all_sites()) OR site_code = ANY ((SELECT registry.my_sites())::text[]));
CREATE POLICY by_site ON registry.screening
  USING ((SELECT registry.sees_all_sites()) OR site_code = ANY ((SELECT registry.my_sites())::text[]));
-- Stratum counters hold no patient data ('*' strata are shared by every site).
CREATE POLICY shared ON registry.allocation_counter USING (true);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['consent', 'allocation', 'assessment', 'infusion', 'adverse_event',
                           'clinical_event'] LOOP
    EXECUTE format(
      'CREATE POLICY by_patient ON registry.%I USING ((SELECT registry.sees_all_sites()) OR '
      'EXISTS (SELECT 1 FROM registry.patient p WHERE p.study_id = %I.study_id))', t, t);
  END LOOP;
END
$$;
CREATE POLICY by_patient ON identity.patient_identity
  USING (EXISTS (SELECT 1 FROM registry.patient p WHERE p.study_id = patient_identity.study_id));

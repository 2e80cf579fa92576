-- Roles scoped to one registry (issue 11, item 5).
--
-- PostgreSQL roles are cluster-wide. Until now every registry database of a cluster granted
-- its privileges to the same four group roles (mscreg_coordinator, …), so that an admin of
-- registry B, by adding a user there, gave that user the same role in registry A. Now each
-- registry has its own four group roles, mscreg_<kind>_<token>, where <token> is drawn once
-- when this migration runs and kept in registry.instance (a database copied with CREATE
-- DATABASE … TEMPLATE keeps it: a copy is the same registry). Every privilege this database
-- had granted to a cluster-wide group role moves to the registry's own role, users are moved
-- with it, and registry.create_user grants only this registry's roles.
--
-- For later migrations: grant to registry.app_role('coordinator') (and 'investigator',
-- 'monitor', 'admin'), e.g. EXECUTE format('GRANT SELECT ON registry.x TO %I',
-- registry.app_role('monitor')); a grant to the cluster-wide mscreg_<kind> reaches no user.

CREATE TABLE registry.instance (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  token     text NOT NULL CHECK (token ~ '^[0-9a-f]{12}$')
);
INSERT INTO registry.instance (token)
  VALUES (substr(md5(random()::text || clock_timestamp()::text || current_database()), 1, 12));
REVOKE ALL ON registry.instance FROM PUBLIC;
GRANT SELECT ON registry.instance TO PUBLIC;

-- This registry's group role for an application role kind.
CREATE FUNCTION registry.app_role(kind text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, registry, pg_temp AS $$
  SELECT 'mscreg_' || kind || '_' || token FROM registry.instance
$$;

DO $$
DECLARE
  k text;
  generic oid;
  local text;
  r record;
BEGIN
  FOREACH k IN ARRAY ARRAY['coordinator', 'investigator', 'monitor', 'admin'] LOOP
    local := registry.app_role(k);
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = local) THEN
      -- Left over from a dropped database: it starts with no members.
      FOR r IN SELECT m.member::regrole::text AS who FROM pg_auth_members m
               WHERE m.roleid = local::regrole LOOP
        EXECUTE format('REVOKE %I FROM %I', local, r.who);
      END LOOP;
    ELSE
      EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', local);
    END IF;
    generic := ('mscreg_' || k)::regrole;
    FOR r IN SELECT c.oid::regclass::text AS obj, c.relkind, a.privilege_type AS priv
             FROM pg_class c, aclexplode(c.relacl) a WHERE a.grantee = generic LOOP
      EXECUTE format('GRANT %s ON %s %s TO %I', r.priv,
        CASE WHEN r.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, r.obj, local);
      EXECUTE format('REVOKE %s ON %s %s FROM %I', r.priv,
        CASE WHEN r.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, r.obj, 'mscreg_' || k);
    END LOOP;
    FOR r IN SELECT a.attrelid::regclass::text AS obj, a.attname, x.privilege_type AS priv
             FROM pg_attribute a, aclexplode(a.attacl) x WHERE x.grantee = generic LOOP
      EXECUTE format('GRANT %s (%I) ON TABLE %s TO %I', r.priv, r.attname, r.obj, local);
      EXECUTE format('REVOKE %s (%I) ON TABLE %s FROM %I', r.priv, r.attname, r.obj, 'mscreg_' || k);
    END LOOP;
    FOR r IN SELECT n.nspname, x.privilege_type AS priv
             FROM pg_namespace n, aclexplode(n.nspacl) x WHERE x.grantee = generic LOOP
      EXECUTE format('GRANT %s ON SCHEMA %I TO %I', r.priv, r.nspname, local);
      EXECUTE format('REVOKE %s ON SCHEMA %I FROM %I', r.priv, r.nspname, 'mscreg_' || k);
    END LOOP;
    FOR r IN SELECT p.oid::regprocedure::text AS fn, x.privilege_type AS priv
             FROM pg_proc p, aclexplode(p.proacl) x WHERE x.grantee = generic LOOP
      EXECUTE format('GRANT %s ON FUNCTION %s TO %I', r.priv, r.fn, local);
      EXECUTE format('REVOKE %s ON FUNCTION %s FROM %I', r.priv, r.fn, 'mscreg_' || k);
    END LOOP;
    -- This registry's users move to its own role.
    FOR r IN SELECT u.role_name FROM registry.app_user u WHERE u.role = k LOOP
      EXECUTE format('GRANT %I TO %I', local, r.role_name);
    END LOOP;
  END LOOP;
END
$$;

-- Monitors and admins see every site only when they are users of this registry (a member of
-- its role); coordinators and investigators see their sites; roles outside the application
-- (the owner, a DBA, the NOLOGIN function owners) hold no grants and see what they own.
CREATE OR REPLACE FUNCTION registry.sees_all_sites() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, registry, pg_temp AS $$
  SELECT NOT (pg_has_role(current_user, registry.app_role('coordinator'), 'MEMBER')
           OR pg_has_role(current_user, registry.app_role('investigator'), 'MEMBER'))
$$;

-- create_user as in 0007, granting this registry's own group role.
CREATE OR REPLACE FUNCTION registry.create_user(name text, app_role text, sites text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, registry, pg_temp AS $$
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
  EXECUTE format('GRANT %I TO %I', registry.app_role(app_role), name);
  INSERT INTO registry.app_user (role_name, role) VALUES (name, app_role);
  FOREACH s IN ARRAY coalesce(sites, '{}') LOOP
    INSERT INTO registry.user_site (role_name, site_code) VALUES (name, s);
  END LOOP;
END
$$;
-- (The function's owner has CREATEROLE, which in PostgreSQL 15 grants any non-superuser
-- role; it must not become a member, or RLS would treat it as a site-scoped role.)
GRANT SELECT ON registry.instance TO mscreg_user_manager, mscreg_guard;

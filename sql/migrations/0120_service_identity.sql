-- The registry service's identity (issue 16, item 3): users act through the HTTP service
-- under their own database role, and the audit trail names them, not the service.
--
-- A `service` user (`mscreg user add NAME --role service --password-stdin`) is a LOGIN role
-- created NOINHERIT and made a member of every registry user's role: it holds no privilege
-- of its own and can do nothing but switch, per transaction, into one registry user's role
-- (`SET LOCAL ROLE alice`, or set_config('role', 'alice', true)). Under that switch
-- current_user is alice, so grants and row-level security are alice's; but session_user
-- stays the service's login, and inside a SECURITY DEFINER function current_user is the
-- function's owner. So "who is acting" is now registry.actor():
--   - the role the session switched into (the `role` setting) when the session's login is a
--     service user of this registry and that role is one of its (non-service) users;
--   - else session_user, as before (the CLI, psql, the DBA).
-- Nothing a client sets can name another actor: PostgreSQL itself refuses SET ROLE (and
-- set_config('role', …)) into a role the login is not a member of, and refuses it inside any
-- SECURITY DEFINER function; only service logins are members of users' roles, and only the
-- `role` setting of a service login is believed. No custom setting (GUC) is read.
--
-- Every function of the registry's schemas that named its caller by session_user (the audit
-- capture triggers, caller_role/caller_may, enroll, identity access, redact, …) is rewritten
-- below to call registry.actor() instead. The rewrite is done from the catalogue, not by
-- restating each function, so that it composes with migrations that rewrite those functions
-- before this one (issue 14's statement-level audit triggers): whatever body they left now
-- names the actor. Later migrations call registry.actor() and never session_user
-- (ServiceIdentityTests.noFunctionNamesItsCallerBySessionUser checks it).
--
-- Passwords: registry.set_password(name, verifier) stores a SCRAM-SHA-256 verifier computed
-- by the client (libpq's PQencryptPasswordConn: the password itself never reaches the
-- server, nor a log), for admins or the user themself, and makes the login a member of the
-- cluster-wide NOLOGIN role mscreg_password_login, which scripts/pg-local's pg_hba.conf
-- authenticates by scram-sha-256.

-- ---------------------------------------------------------------------------------------
-- Who is acting.

ALTER TABLE registry.app_user DROP CONSTRAINT app_user_role,
  ADD CONSTRAINT app_user_role
    CHECK (role IN ('coordinator', 'investigator', 'monitor', 'admin', 'service'));

CREATE FUNCTION registry.actor() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, registry, pg_temp AS $$
  SELECT CASE
    WHEN s.switched <> 'none'
      AND EXISTS (SELECT 1 FROM registry.app_user u
                  WHERE u.role_name = session_user AND u.role = 'service')
      AND EXISTS (SELECT 1 FROM registry.app_user u
                  WHERE u.role_name = s.switched AND u.role <> 'service')
      THEN s.switched
    ELSE session_user::text
  END
  FROM (SELECT pg_catalog.current_setting('role') AS switched) s
$$;
ALTER FUNCTION registry.actor() OWNER TO mscreg_guard;
-- The audit capture functions (owned by mscreg_audit_writer) call it.
GRANT USAGE ON SCHEMA registry TO mscreg_audit_writer;

DO $$
DECLARE
  f record;
  def text;
BEGIN
  FOR f IN SELECT p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname IN ('registry', 'audit', 'identity')
             AND p.prosrc ~* '\msession_user\M'
             AND p.oid <> 'registry.actor()'::regprocedure
  LOOP
    def := pg_get_functiondef(f.oid);
    EXECUTE regexp_replace(def, '\msession_user\M', 'registry.actor()', 'gi');
  END LOOP;
END
$$;
ALTER TABLE audit.log ALTER COLUMN db_role SET DEFAULT registry.actor();
ALTER TABLE identity.audit_log ALTER COLUMN db_role SET DEFAULT registry.actor();

-- ---------------------------------------------------------------------------------------
-- Users: the service role.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mscreg_password_login') THEN
    BEGIN
      CREATE ROLE mscreg_password_login NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
END
$$;

-- create_user as in 0032, and: role 'service' (a new NOINHERIT login, no site, made a member
-- of every user of this registry); every other new user is made a member of by each service.
CREATE OR REPLACE FUNCTION registry.create_user(name text, app_role text, sites text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, registry, pg_temp AS $$
DECLARE
  s text;
  r record;
BEGIN
  IF name !~ '^[a-z][a-z0-9_]{1,39}$' THEN
    RAISE EXCEPTION 'user name % must be 2–40 lower-case letters, digits or _, starting with a letter', name
      USING ERRCODE = 'MR040', COLUMN = 'NAME';
  END IF;
  IF name LIKE 'mscreg\_%' OR name IN ('postgres', 'public') THEN
    RAISE EXCEPTION 'user name % is reserved', name USING ERRCODE = 'MR040', COLUMN = 'NAME';
  END IF;
  IF app_role NOT IN ('coordinator', 'investigator', 'monitor', 'admin', 'service') THEN
    RAISE EXCEPTION 'role % is not coordinator, investigator, monitor, admin or service', app_role
      USING ERRCODE = 'MR040', COLUMN = '--role';
  END IF;
  IF app_role IN ('coordinator', 'investigator') AND coalesce(cardinality(sites), 0) = 0 THEN
    RAISE EXCEPTION 'a % needs at least one --site', app_role USING ERRCODE = 'MR040', COLUMN = '--site';
  END IF;
  IF app_role IN ('monitor', 'admin', 'service') AND coalesce(cardinality(sites), 0) > 0 THEN
    RAISE EXCEPTION 'a % works for every site; give no --site', app_role
      USING ERRCODE = 'MR040', COLUMN = '--site';
  END IF;
  IF EXISTS (SELECT 1 FROM registry.app_user WHERE role_name = name) THEN
    RAISE EXCEPTION 'user % already exists in this registry', name USING ERRCODE = 'MR040', COLUMN = 'NAME';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name AND (rolsuper OR rolbypassrls)) THEN
    RAISE EXCEPTION 'role % is a superuser or bypasses RLS; it cannot be an application user', name
      USING ERRCODE = 'MR040', COLUMN = 'NAME';
  END IF;
  IF app_role = 'service' THEN
    -- A service login holds nothing itself: a role that exists already may hold grants or
    -- memberships of its own, so a service is always a new role.
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name) THEN
      RAISE EXCEPTION 'role % exists already; a service user must be a new login', name
        USING ERRCODE = 'MR040', COLUMN = 'NAME';
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', name);
    INSERT INTO registry.app_user (role_name, role) VALUES (name, app_role);
    FOR r IN SELECT u.role_name FROM registry.app_user u WHERE u.role <> 'service' LOOP
      EXECUTE format('GRANT %I TO %I', r.role_name, name);
    END LOOP;
    RETURN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name) THEN
    EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', name);
  END IF;
  EXECUTE format('GRANT %I TO %I', registry.app_role(app_role), name);
  INSERT INTO registry.app_user (role_name, role) VALUES (name, app_role);
  FOREACH s IN ARRAY coalesce(sites, '{}') LOOP
    INSERT INTO registry.user_site (role_name, site_code) VALUES (name, s);
  END LOOP;
  FOR r IN SELECT u.role_name FROM registry.app_user u WHERE u.role = 'service' LOOP
    EXECUTE format('GRANT %I TO %I', name, r.role_name);
  END LOOP;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Passwords.

-- Sets a user's password from a SCRAM-SHA-256 verifier (never a plain password). Admins set
-- anyone's; every user sets their own.
CREATE FUNCTION registry.set_password(name text, verifier text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, registry, pg_temp AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM registry.app_user u WHERE u.role_name = name) THEN
    RAISE EXCEPTION 'no user % in this registry', name USING ERRCODE = 'MR061', COLUMN = 'NAME';
  END IF;
  IF NOT (registry.caller_role() IN ('admin', 'dba') OR registry.actor() = name) THEN
    RAISE EXCEPTION 'permission denied: % may not set the password of %', registry.actor(), name
      USING ERRCODE = '42501';
  END IF;
  IF verifier !~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
    RAISE EXCEPTION 'the password must arrive as a SCRAM-SHA-256 verifier'
      USING ERRCODE = 'MR040', COLUMN = 'password';
  END IF;
  EXECUTE format('ALTER ROLE %I PASSWORD %L', name, verifier);
  EXECUTE format('GRANT mscreg_password_login TO %I', name);
END
$$;
ALTER FUNCTION registry.set_password(text, text) OWNER TO mscreg_user_manager;
REVOKE ALL ON FUNCTION registry.set_password(text, text) FROM PUBLIC;
DO $$
DECLARE
  k text;
BEGIN
  FOREACH k IN ARRAY ARRAY['coordinator', 'investigator', 'monitor', 'admin'] LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION registry.set_password(text, text) TO %I',
                   registry.app_role(k));
  END LOOP;
END
$$;
GRANT EXECUTE ON FUNCTION registry.caller_role(), registry.actor() TO mscreg_user_manager;

-- No lock anyone can hold against everyone (issue 11, item 6).
--
-- Every audited write waits on the audit chain's advisory lock, and any login could take it
-- with pg_advisory_lock(7262101) and hang every write. Function privileges belong to one
-- database: here EXECUTE on the advisory-lock functions is taken from PUBLIC and given back
-- only to the roles that need them: mscreg_audit_writer (owner of audit.capture), the role
-- running the migrations (the migrator's own lock) and the database owner. Changing the ACL
-- of a pg_catalog function needs a superuser: a migration run by another role leaves the
-- functions as they were and says so (WARNING), and the README tells the DBA what to run.
DO $$
DECLARE
  f regprocedure;
  owner_name text := (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database());
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    RAISE WARNING 'not a superuser: EXECUTE on the pg_advisory* functions stays granted to PUBLIC';
    RETURN;
  END IF;
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
           WHERE p.pronamespace = 'pg_catalog'::regnamespace
             AND (p.proname LIKE 'pg\_advisory\_%' OR p.proname LIKE 'pg\_try\_advisory\_%')
  LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO mscreg_audit_writer, %I, %I', f,
                   current_user, owner_name);
  END LOOP;
END
$$;

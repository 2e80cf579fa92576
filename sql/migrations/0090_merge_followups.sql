-- Follow-ups where work of the same release met (trust under real roles, audit trail v2,
-- clinical rules, synthetic cohorts), applied after all of it:
--
-- 1. Privileges granted after 0032 to the cluster-wide group roles (mscreg_monitor, …) reach no
--    user of this registry: they move to the registry's own roles (registry.app_role), as 0032
--    moved the earlier ones.
-- 2. Every SECURITY DEFINER function pins search_path with pg_temp last (functions replaced
--    after 0030 set their own search_path without it).

DO $$
DECLARE
  k text;
  generic oid;
  local text;
  r record;
BEGIN
  FOREACH k IN ARRAY ARRAY['coordinator', 'investigator', 'monitor', 'admin'] LOOP
    local := registry.app_role(k);
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
  END LOOP;
END
$$;

DO $$
DECLARE
  r record;
  path text;
BEGIN
  FOR r IN
    SELECT p.oid::regprocedure::text AS fn, p.proconfig
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  LOOP
    SELECT substr(c, length('search_path=') + 1) INTO path
    FROM unnest(coalesce(r.proconfig, '{}')) c WHERE c LIKE 'search_path=%';
    IF path IS NULL THEN
      path := 'pg_catalog, pg_temp';
    ELSIF path !~ 'pg_temp$' THEN
      path := regexp_replace(path, ',\s*pg_temp\s*,', ',', 'g') || ', pg_temp';
    ELSE
      CONTINUE;
    END IF;
    EXECUTE format('ALTER FUNCTION %s SET search_path = %s', r.fn, path);
  END LOOP;
END
$$;

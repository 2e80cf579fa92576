-- Sessions of the registry service (issue 16, item 3): POST /session answers a bearer token,
-- random, of which the database keeps only the SHA-256 digest, with an expiry.
--
-- Every function below runs under the user's own role (the service switches into it first),
-- so a session belongs to registry.actor(): a user opens, checks and closes only their own
-- sessions, and the service's login, which holds nothing, reads none. The table is audited
-- like any other (who signed in, when; a digest of a 256-bit random token reveals nothing).

CREATE TABLE registry.api_session (
  token_digest bytea PRIMARY KEY CONSTRAINT api_session_digest CHECK (length(token_digest) = 32),
  role_name    text NOT NULL REFERENCES registry.app_user,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  CONSTRAINT api_session_expiry CHECK (expires_at > created_at)
);
REVOKE ALL ON registry.api_session FROM PUBLIC;
SELECT audit.enable('registry.api_session', 'role_name');
GRANT SELECT, INSERT, DELETE ON registry.api_session TO mscreg_guard;

-- Opens a session for the acting user; `lifetime` is capped at 24 hours. Expired sessions of
-- the same user are removed. Returns the expiry.
CREATE FUNCTION registry.session_open(digest bytea, lifetime interval) RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, registry, pg_temp AS $$
DECLARE
  who text := registry.actor();
  until timestamptz := now() + least(lifetime, interval '24 hours');
BEGIN
  IF registry.caller_role() NOT IN ('coordinator', 'investigator', 'monitor', 'admin') THEN
    RAISE EXCEPTION 'permission denied: % is not a user of this registry', who
      USING ERRCODE = '42501';
  END IF;
  IF lifetime <= interval '0' THEN
    RAISE EXCEPTION 'a session lifetime must be positive' USING ERRCODE = 'MR040',
      COLUMN = 'lifetime';
  END IF;
  PERFORM set_config('mscreg.reason', 'session expired', true);
  DELETE FROM registry.api_session WHERE role_name = who AND expires_at <= now();
  PERFORM set_config('mscreg.reason', 'session opened', true);
  INSERT INTO registry.api_session (token_digest, role_name, expires_at) VALUES (digest, who, until);
  RETURN until;
END
$$;

-- True when `digest` is a live session of the acting user.
CREATE FUNCTION registry.session_valid(digest bytea) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, registry, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM registry.api_session s
                 WHERE s.token_digest = digest AND s.role_name = registry.actor()
                   AND s.expires_at > now())
$$;

-- Ends a session of the acting user; false when there was none.
CREATE FUNCTION registry.session_close(digest bytea) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, registry, pg_temp AS $$
DECLARE
  n int;
BEGIN
  PERFORM set_config('mscreg.reason', 'session ended', true);
  DELETE FROM registry.api_session WHERE token_digest = digest AND role_name = registry.actor();
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n > 0;
END
$$;

DO $$
DECLARE
  f text;
  k text;
BEGIN
  FOREACH f IN ARRAY ARRAY['registry.session_open(bytea, interval)',
                           'registry.session_valid(bytea)', 'registry.session_close(bytea)'] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO mscreg_guard', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    FOREACH k IN ARRAY ARRAY['coordinator', 'investigator', 'monitor', 'admin'] LOOP
      EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', f, registry.app_role(k));
    END LOOP;
  END LOOP;
END
$$;

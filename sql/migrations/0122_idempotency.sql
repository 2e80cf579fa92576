-- Idempotency-Key of the registry service's creating POSTs (issue 16, item 4): a retry with
-- the same key returns the first response and creates nothing twice.
--
-- The service claims (user, key) and runs the use case in ONE transaction, then stores the
-- response in it: a concurrent retry with the same key waits on the claim's unique key and
-- then replays the stored response; if the first attempt rolled back, the retry runs it anew.
-- Keys belong to the acting user (registry.actor()): one user's key never replays another's
-- response. Stored responses are kept 24 hours (removed when the same user claims a key).
-- The stored body is what the user was answered (a study ID, an arm): no identifier the
-- response did not carry.

CREATE TABLE registry.idempotent_request (
  role_name      text NOT NULL REFERENCES registry.app_user,
  idem_key       text NOT NULL CONSTRAINT idempotent_key_format CHECK (idem_key ~ '^[\x21-\x7e]{1,200}$'),
  request_digest bytea NOT NULL,
  status         int,
  body           text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (role_name, idem_key)
);
REVOKE ALL ON registry.idempotent_request FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON registry.idempotent_request TO mscreg_guard;

-- Claims `key` for the acting user. Returns nothing when the claim is new (the caller runs
-- the request, then registry.idempotent_finish); else the earlier request's digest, status
-- and body (status NULL: that request is still running in another transaction — which
-- cannot be, as the claim waits for it — or failed without an answer).
CREATE FUNCTION registry.idempotent_claim(key text, digest bytea,
                                          OUT prior_digest bytea, OUT prior_status int,
                                          OUT prior_body text)
RETURNS SETOF record
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, registry, pg_temp AS $$
DECLARE
  who text := registry.actor();
BEGIN
  IF registry.caller_role() NOT IN ('coordinator', 'investigator', 'monitor', 'admin') THEN
    RAISE EXCEPTION 'permission denied: % is not a user of this registry', who
      USING ERRCODE = '42501';
  END IF;
  IF key !~ '^[\x21-\x7e]{1,200}$' THEN
    RAISE EXCEPTION 'an Idempotency-Key is 1–200 visible ASCII characters'
      USING ERRCODE = 'MR040', COLUMN = 'Idempotency-Key';
  END IF;
  DELETE FROM registry.idempotent_request
    WHERE role_name = who AND created_at < now() - interval '24 hours';
  INSERT INTO registry.idempotent_request (role_name, idem_key, request_digest)
    VALUES (who, key, digest) ON CONFLICT DO NOTHING;
  IF FOUND THEN
    RETURN;
  END IF;
  RETURN QUERY SELECT r.request_digest, r.status, r.body FROM registry.idempotent_request r
    WHERE r.role_name = who AND r.idem_key = key;
END
$$;

-- Stores the response of the acting user's claimed `key`.
CREATE FUNCTION registry.idempotent_finish(key text, status int, body text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, registry, pg_temp AS $$
  UPDATE registry.idempotent_request r SET status = idempotent_finish.status,
    body = idempotent_finish.body
  WHERE r.role_name = registry.actor() AND r.idem_key = key
$$;

DO $$
DECLARE
  f text;
  k text;
BEGIN
  FOREACH f IN ARRAY ARRAY['registry.idempotent_claim(text, bytea)',
                           'registry.idempotent_finish(text, int, text)'] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO mscreg_guard', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    FOREACH k IN ARRAY ARRAY['coordinator', 'investigator', 'monitor', 'admin'] LOOP
      EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', f, registry.app_role(k));
    END LOOP;
  END LOOP;
END
$$;

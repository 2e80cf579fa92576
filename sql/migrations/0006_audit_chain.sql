-- Audit integrity: audit rows are written only by a SECURITY DEFINER function owned by a role
-- that no one logs in as, and every audit row carries the SHA-256 of the row before it.
--
-- Writer. `mscreg_audit_writer` (NOLOGIN, cluster-wide, created once) owns audit.capture(),
-- the trigger function of every audited table, and is the only role granted INSERT on
-- audit.log and identity.audit_log. Application roles therefore need no privilege on the audit
-- tables to write audited rows, and cannot write an audit row themselves. The trigger still
-- records session_user (the login role), which SECURITY DEFINER does not change.
--
-- Chain. audit.log and identity.audit_log are two separate chains. Each row stores
-- prev_hash (the hash of the row before it in id order; NULL for the first row of a chain)
-- and hash = audit.chain_hash(…) = lower-case hex SHA-256 of the UTF-8 bytes of the canonical
-- text
--
--   json_build_array(prev_hash, id, at_utc, db_role, action, table_name, row_key,
--                    old_row::text, new_row::text, reason, txid)::text
--
-- where at_utc = to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), old_row and
-- new_row are the jsonb values' text form (or NULL), and NULL is written `null`. Example:
--   [null, 1, "2026-11-20T09:30:00.123456Z", "alice", "INSERT", "registry.site", "PAN",
--    null, "{\"code\": \"PAN\", …}", null, 7421]
-- (Python reproduces it with json.dumps([...], ensure_ascii=False).)
--
-- Appending. The first audited row of a transaction on a chain takes
-- pg_advisory_xact_lock(7262101) (audit.log) — identity rows take it and then
-- pg_advisory_xact_lock(7262102), always in that order, so two chains cannot deadlock — and
-- touches the chain's row in audit.chain_head, then reads the last committed hash and only
-- then draws the row's id: ids and chain order agree, and the lock is held to commit. The
-- touch makes a REPEATABLE READ or SERIALIZABLE transaction whose snapshot predates the last
-- append fail with 40001 (retried by the client) instead of forking the chain from a stale
-- head. Later rows of the same transaction take the last hash from the transaction-local
-- setting mscreg.audit_last_hash (mscreg.identity_audit_last_hash), stored as
-- '<txid>:<hash>', so a bulk COPY does not query the log per row. A savepoint rolled back
-- rolls back its audit rows and the setting together.

-- The writer role (roles are cluster-wide: many databases share one; never fail if present).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mscreg_audit_writer') THEN
    BEGIN
      CREATE ROLE mscreg_audit_writer NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;  -- created at the same moment by a migration of another database
    END;
  END IF;
  -- A migrating role that is not superuser must be able to hand the function over.
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT mscreg_audit_writer TO %I', current_user);
  END IF;
END
$$;

-- The hash of one audit row given the hash of the row before it (see the canonical text above).
CREATE FUNCTION audit.chain_hash(
  prev_hash text, id bigint, at timestamptz, db_role text, action text, table_name text,
  row_key text, old_row jsonb, new_row jsonb, reason text, txid bigint
) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(pg_catalog.json_build_array(
    prev_hash, id,
    pg_catalog.to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    db_role, action, table_name, row_key, old_row::text, new_row::text, reason, txid
  )::text, 'UTF8')), 'hex')
$$;

-- Backfill the chain over rows written before this migration, in id order.
ALTER TABLE audit.log ADD COLUMN prev_hash text, ADD COLUMN hash text;
ALTER TABLE identity.audit_log ADD COLUMN prev_hash text, ADD COLUMN hash text;
ALTER TABLE audit.log DISABLE TRIGGER append_only;
ALTER TABLE identity.audit_log DISABLE TRIGGER append_only;
DO $$
DECLARE
  r    record;
  prev text;
BEGIN
  prev := NULL;
  FOR r IN SELECT * FROM audit.log ORDER BY id LOOP
    UPDATE audit.log SET prev_hash = prev,
      hash = audit.chain_hash(prev, r.id, r.at, r.db_role, r.action, r.table_name, r.row_key,
                              r.old_row, r.new_row, r.reason, r.txid)
      WHERE id = r.id RETURNING hash INTO prev;
  END LOOP;
  prev := NULL;
  FOR r IN SELECT * FROM identity.audit_log ORDER BY id LOOP
    UPDATE identity.audit_log SET prev_hash = prev,
      hash = audit.chain_hash(prev, r.id, r.at, r.db_role, r.action, r.table_name, r.row_key,
                              r.old_row, r.new_row, r.reason, r.txid)
      WHERE id = r.id RETURNING hash INTO prev;
  END LOOP;
END
$$;
ALTER TABLE audit.log ENABLE TRIGGER append_only;
ALTER TABLE identity.audit_log ENABLE TRIGGER append_only;
-- (A length check: a regular expression here would cost ~20 µs per audited row.)
ALTER TABLE audit.log
  ALTER COLUMN hash SET NOT NULL,
  ADD CONSTRAINT log_hash_length CHECK (octet_length(hash) = 64
    AND (prev_hash IS NULL OR octet_length(prev_hash) = 64));
ALTER TABLE identity.audit_log
  ALTER COLUMN hash SET NOT NULL,
  ADD CONSTRAINT audit_log_hash_length CHECK (octet_length(hash) = 64
    AND (prev_hash IS NULL OR octet_length(prev_hash) = 64));

-- One row per chain, touched (under the chain's advisory lock) by the first audited row of
-- each transaction: see "Appending" above.
CREATE TABLE audit.chain_head (
  chain      text PRIMARY KEY CHECK (chain IN ('audit.log', 'identity.audit_log')),
  touched_by bigint
);
INSERT INTO audit.chain_head (chain) VALUES ('audit.log'), ('identity.audit_log');
REVOKE ALL ON audit.chain_head FROM PUBLIC;

-- The trigger function: as in 0001 (reason required for UPDATE and DELETE, MR001; identity
-- rows audited into identity.audit_log), now appending to the hash chain.
CREATE OR REPLACE FUNCTION audit.capture() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, audit, identity AS $$
DECLARE
  why      text := audit.current_reason();
  key_col  text := coalesce(TG_ARGV[0], 'id');
  identity_row boolean := TG_TABLE_SCHEMA = 'identity';
  setting  text;
  carried  text;
  xid      bigint;
  prev     text;
  new_id   bigint;
  new_at   timestamptz;
  who      text := session_user;
  tname    text := TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME;
  old_j    jsonb;
  new_j    jsonb;
  key_val  text;
  h        text;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND why IS NULL THEN
    RAISE EXCEPTION 'a reason is required to % a row of %.%',
      lower(TG_OP), TG_TABLE_SCHEMA, TG_TABLE_NAME
      USING ERRCODE = 'MR001', HINT = 'give --reason';
  END IF;
  IF TG_OP <> 'INSERT' THEN old_j := to_jsonb(OLD); END IF;
  IF TG_OP <> 'DELETE' THEN new_j := to_jsonb(NEW); END IF;
  IF TG_OP = 'UPDATE' AND old_j = new_j THEN
    RETURN NEW;
  END IF;
  key_val := coalesce(new_j, old_j) ->> key_col;

  xid := txid_current();
  setting := CASE WHEN identity_row THEN 'mscreg.identity_audit_last_hash'
                  ELSE 'mscreg.audit_last_hash' END;
  carried := current_setting(setting, true);
  IF carried IS NOT NULL AND split_part(carried, ':', 1) = xid::text THEN
    prev := nullif(split_part(carried, ':', 2), '');
  ELSE
    -- First row of this transaction on this chain: serialise, then read the committed head.
    PERFORM pg_advisory_xact_lock(7262101);
    IF identity_row THEN
      PERFORM pg_advisory_xact_lock(7262102);
      UPDATE audit.chain_head SET touched_by = xid WHERE chain = 'identity.audit_log';
      SELECT l.hash INTO prev FROM identity.audit_log l ORDER BY l.id DESC LIMIT 1;
    ELSE
      UPDATE audit.chain_head SET touched_by = xid WHERE chain = 'audit.log';
      SELECT l.hash INTO prev FROM audit.log l ORDER BY l.id DESC LIMIT 1;
    END IF;
  END IF;

  new_at := clock_timestamp();
  IF identity_row THEN
    new_id := nextval('identity.audit_log_id_seq');
  ELSE
    new_id := nextval('audit.log_id_seq');
  END IF;
  h := audit.chain_hash(prev, new_id, new_at, who, TG_OP, tname, key_val, old_j, new_j, why, xid);
  IF identity_row THEN
    INSERT INTO identity.audit_log (id, at, db_role, action, table_name, row_key, old_row,
      new_row, reason, txid, prev_hash, hash) OVERRIDING SYSTEM VALUE
    VALUES (new_id, new_at, who, TG_OP, tname, key_val, old_j, new_j, why, xid, prev, h);
  ELSE
    INSERT INTO audit.log (id, at, db_role, action, table_name, row_key, old_row,
      new_row, reason, txid, prev_hash, hash) OVERRIDING SYSTEM VALUE
    VALUES (new_id, new_at, who, TG_OP, tname, key_val, old_j, new_j, why, xid, prev, h);
  END IF;
  PERFORM set_config(setting, xid::text || ':' || h, true);
  RETURN NULL;
END
$$;

-- The writer owns the function and is the only role that may append to the logs.
ALTER FUNCTION audit.capture() OWNER TO mscreg_audit_writer;
REVOKE ALL ON audit.log, identity.audit_log FROM PUBLIC;
REVOKE ALL ON SEQUENCE audit.log_id_seq, identity.audit_log_id_seq FROM PUBLIC;
GRANT USAGE ON SCHEMA audit, identity TO mscreg_audit_writer;
GRANT SELECT, INSERT ON audit.log, identity.audit_log TO mscreg_audit_writer;
GRANT USAGE ON SEQUENCE audit.log_id_seq, identity.audit_log_id_seq TO mscreg_audit_writer;
GRANT SELECT, UPDATE ON audit.chain_head TO mscreg_audit_writer;

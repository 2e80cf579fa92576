-- Audit trail v2: rows hashed without a lock, transactions linked once at commit, identity
-- rows chained over per-field salted digests (redactable), no client-settable state.
--
-- Rows. Every audit row gets `digest`, the lower-case hex SHA-256 of the UTF-8 bytes of a
-- canonical text (json_build_array's text form; NULL is `null`; at_utc is
-- to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')):
--   audit.log           [id, at_utc, db_role, action, table_name, row_key,
--                        old_row::text, new_row::text, reason, txid]
--   identity.audit_log  [id, at_utc, db_role, action, table_name, row_key, fields_text, txid]
-- For identity rows each field — every key of old_row (as "old.KEY") and new_row ("new.KEY"),
-- and the reason ("reason") — has its own random 16-byte salt (`salts`, hex) and digest
-- (`fields`, hex SHA-256 of salt bytes || UTF-8 of "NAME=" || the value's jsonb text, or
-- || the reason's text); fields_text is "NAME=DIGEST" joined by "," in byte order of NAME.
-- Redaction replaces a value by the mark "[redacted]" and removes its salt; the digest stays,
-- so the row still verifies and the value cannot be guessed back from it.
--
-- Linking. Row digests are computed by the audit triggers without any lock. The first
-- audited statement of a transaction on a chain inserts (chain, txid, first id) into
-- audit.pending; a DEFERRABLE INITIALLY DEFERRED constraint trigger on that table runs
-- audit.link() once per transaction at commit: it hashes the transaction's row digests in id
-- order (rows_digest, still without a lock), then locks the chain's row in audit.chain_head
-- (an UPDATE: the chain lock; only the NOLOGIN writer may touch that table, so no login role
-- can take or hold it), reads the head, and appends one audit.chain_entry:
--   hash = SHA-256 of [chain, seq, prev_hash, txid, first_id, last_id, n_rows, rows_digest,
--                      linked_at_utc]
-- The row lock is held to commit, so entries are appended one after the other (seq 1, 2, …
-- each naming the hash of the one before). Under REPEATABLE READ and SERIALIZABLE a head that
-- moved after the transaction's snapshot makes that UPDATE fail with 40001 (the client retries
-- the transaction) instead of forking the chain. Chains: 'audit.log' and 'identity.audit_log',
-- always linked in that order (no deadlock).

-- ---------------------------------------------------------------------------------------
-- Hashing primitives (used when writing; `mscreg audit verify` recomputes everything itself).

CREATE OR REPLACE FUNCTION audit.chain_hash(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(t, 'UTF8')), 'hex')
$$;

CREATE FUNCTION audit.utc_text(at timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

CREATE FUNCTION audit.field_digest(salt text, name text, value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.encode(pg_catalog.sha256(
    pg_catalog.decode(salt, 'hex') || pg_catalog.convert_to(name || '=' || value, 'UTF8')), 'hex')
$$;

-- Salts and digests of every field of an identity audit row.
CREATE FUNCTION audit.identity_fields(old_j jsonb, new_j jsonb, why text,
  OUT salts jsonb, OUT fields jsonb)
LANGUAGE sql VOLATILE AS $$
  SELECT coalesce(pg_catalog.jsonb_object_agg(f.name, f.salt), '{}'),
         coalesce(pg_catalog.jsonb_object_agg(f.name, audit.field_digest(f.salt, f.name, f.v)), '{}')
  FROM (
    SELECT x.name, x.v, pg_catalog.replace(pg_catalog.gen_random_uuid()::text, '-', '') AS salt
    FROM (
      SELECT 'old.' || e.key AS name, e.value::text AS v FROM pg_catalog.jsonb_each(old_j) e
      UNION ALL
      SELECT 'new.' || e.key, e.value::text FROM pg_catalog.jsonb_each(new_j) e
      UNION ALL
      SELECT 'reason', why WHERE why IS NOT NULL
    ) x
  ) f
$$;

CREATE FUNCTION audit.fields_text(fields jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(pg_catalog.string_agg(key || '=' || value, ',' ORDER BY key COLLATE "C"), '')
  FROM pg_catalog.jsonb_each_text(fields)
$$;

CREATE FUNCTION audit.row_digest(id bigint, at timestamptz, db_role text, action text,
  table_name text, row_key text, old_row jsonb, new_row jsonb, reason text, txid bigint)
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT audit.chain_hash(pg_catalog.json_build_array(id, audit.utc_text(at), db_role, action,
    table_name, row_key, old_row::text, new_row::text, reason, txid)::text)
$$;

CREATE FUNCTION audit.identity_row_digest(id bigint, at timestamptz, db_role text,
  action text, table_name text, row_key text, fields jsonb, txid bigint)
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT audit.chain_hash(pg_catalog.json_build_array(id, audit.utc_text(at), db_role, action,
    table_name, row_key, audit.fields_text(fields), txid)::text)
$$;

-- ---------------------------------------------------------------------------------------
-- Tables.

ALTER TABLE audit.log DISABLE TRIGGER append_only;
ALTER TABLE identity.audit_log DISABLE TRIGGER append_only;
ALTER TABLE audit.log DROP CONSTRAINT log_hash_length, DROP COLUMN prev_hash,
  DROP COLUMN hash, ADD COLUMN digest text;
ALTER TABLE identity.audit_log DROP CONSTRAINT audit_log_hash_length, DROP COLUMN prev_hash,
  DROP COLUMN hash, ADD COLUMN digest text, ADD COLUMN salts jsonb, ADD COLUMN fields jsonb;
-- A redaction is itself an audit row (action REDACT, table identity.audit_log).
DO $$
DECLARE
  c record;
BEGIN
  FOR c IN SELECT conrelid::regclass AS tbl, conname FROM pg_constraint
           WHERE conrelid IN ('audit.log'::regclass, 'identity.audit_log'::regclass)
             AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%action%' LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.tbl, c.conname);
  END LOOP;
END
$$;
ALTER TABLE audit.log ADD CONSTRAINT log_action
  CHECK (action IN ('INSERT', 'UPDATE', 'DELETE'));
ALTER TABLE identity.audit_log ADD CONSTRAINT audit_log_action
  CHECK (action IN ('INSERT', 'UPDATE', 'DELETE', 'REDACT'));

ALTER TABLE audit.chain_head ADD COLUMN seq bigint NOT NULL DEFAULT 0,
  ADD COLUMN hash text, ADD COLUMN linked_at timestamptz;

CREATE TABLE audit.chain_entry (
  chain       text        NOT NULL CHECK (chain IN ('audit.log', 'identity.audit_log')),
  seq         bigint      NOT NULL,
  prev_hash   text,
  txid        bigint      NOT NULL,
  first_id    bigint      NOT NULL,
  last_id     bigint      NOT NULL,
  n_rows      bigint      NOT NULL,
  rows_digest text        NOT NULL,
  linked_at   timestamptz NOT NULL,
  hash        text        NOT NULL,
  PRIMARY KEY (chain, seq)
);
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit.chain_entry
  FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

-- Transactions with audit rows not yet linked (emptied at each commit).
CREATE TABLE audit.pending (
  chain  text   NOT NULL,
  txid   bigint NOT NULL,
  min_id bigint NOT NULL,
  PRIMARY KEY (chain, txid)
);

-- Backfill: digests of the rows written before this migration, one entry per transaction in
-- order of its first row (the old per-row chain columns are dropped above).
DO $$
DECLARE
  t record;
  f record;
  prev text;
  h text;
  n bigint;
  s bigint;
  rd text;
BEGIN
  UPDATE audit.log SET digest = audit.row_digest(id, at, db_role, action, table_name, row_key,
    old_row, new_row, reason, txid);
  FOR t IN SELECT id, old_row, new_row, reason FROM identity.audit_log LOOP
    f := audit.identity_fields(t.old_row, t.new_row, t.reason);
    UPDATE identity.audit_log l SET salts = f.salts, fields = f.fields,
      digest = audit.identity_row_digest(l.id, l.at, l.db_role, l.action, l.table_name,
        l.row_key, f.fields, l.txid)
      WHERE l.id = t.id;
  END LOOP;
  prev := NULL; s := 0;
  FOR t IN SELECT txid, min(id) AS lo, max(id) AS hi, count(*) AS n,
                  audit.chain_hash(string_agg(digest, '' ORDER BY id)) AS rd
           FROM audit.log GROUP BY txid ORDER BY min(id) LOOP
    s := s + 1;
    h := audit.chain_hash(json_build_array('audit.log', s, prev, t.txid, t.lo, t.hi, t.n, t.rd,
      audit.utc_text(now()))::text);
    INSERT INTO audit.chain_entry VALUES ('audit.log', s, prev, t.txid, t.lo, t.hi, t.n, t.rd, now(), h);
    prev := h;
  END LOOP;
  UPDATE audit.chain_head SET seq = s, hash = prev WHERE chain = 'audit.log';
  prev := NULL; s := 0;
  FOR t IN SELECT txid, min(id) AS lo, max(id) AS hi, count(*) AS n,
                  audit.chain_hash(string_agg(digest, '' ORDER BY id)) AS rd
           FROM identity.audit_log GROUP BY txid ORDER BY min(id) LOOP
    s := s + 1;
    h := audit.chain_hash(json_build_array('identity.audit_log', s, prev, t.txid, t.lo, t.hi,
      t.n, t.rd, audit.utc_text(now()))::text);
    INSERT INTO audit.chain_entry VALUES ('identity.audit_log', s, prev, t.txid, t.lo, t.hi, t.n, t.rd, now(), h);
    prev := h;
  END LOOP;
  UPDATE audit.chain_head SET seq = s, hash = prev WHERE chain = 'identity.audit_log';
END
$$;
ALTER TABLE audit.log ALTER COLUMN digest SET NOT NULL;
ALTER TABLE identity.audit_log ALTER COLUMN digest SET NOT NULL,
  ALTER COLUMN salts SET NOT NULL, ALTER COLUMN fields SET NOT NULL;
ALTER TABLE audit.log ENABLE TRIGGER append_only;
ALTER TABLE identity.audit_log ENABLE TRIGGER append_only;

-- The append-only rule has one exception: audit.redact (owned by the writer) may replace
-- identity values in identity.audit_log.
CREATE OR REPLACE FUNCTION audit.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND TG_TABLE_SCHEMA = 'identity' AND TG_TABLE_NAME = 'audit_log'
     AND current_user = 'mscreg_audit_writer' THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION '%.% keeps its rows for the audit trail: % is not allowed',
    TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'MR002';
END
$$;

-- ---------------------------------------------------------------------------------------
-- Writing.

-- Row-level capture: UPDATE (old and new paired), and INSERT/DELETE of any table still
-- attached the 0001 way. Reason required for UPDATE and DELETE (MR001); no-op updates skipped.
CREATE OR REPLACE FUNCTION audit.capture() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, audit, identity AS $$
DECLARE
  why     text := audit.current_reason();
  key_col text := coalesce(TG_ARGV[0], 'id');
  tname   text := TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME;
  who     text := session_user;
  xid     bigint := txid_current();
  new_at  timestamptz := clock_timestamp();
  new_id  bigint;
  old_j   jsonb;
  new_j   jsonb;
  key_val text;
  f       record;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND why IS NULL THEN
    RAISE EXCEPTION 'a reason is required to % a row of %.%',
      lower(TG_OP), TG_TABLE_SCHEMA, TG_TABLE_NAME
      USING ERRCODE = 'MR001', HINT = 'give --reason';
  END IF;
  IF TG_OP <> 'INSERT' THEN old_j := to_jsonb(OLD); END IF;
  IF TG_OP <> 'DELETE' THEN new_j := to_jsonb(NEW); END IF;
  IF TG_OP = 'UPDATE' AND old_j = new_j THEN
    RETURN NULL;
  END IF;
  key_val := coalesce(new_j, old_j) ->> key_col;
  IF TG_TABLE_SCHEMA = 'identity' THEN
    new_id := nextval('identity.audit_log_id_seq');
    f := audit.identity_fields(old_j, new_j, why);
    INSERT INTO identity.audit_log (id, at, db_role, action, table_name, row_key, old_row,
      new_row, reason, txid, salts, fields, digest) OVERRIDING SYSTEM VALUE
    VALUES (new_id, new_at, who, TG_OP, tname, key_val, old_j, new_j, why, xid, f.salts,
      f.fields, audit.identity_row_digest(new_id, new_at, who, TG_OP, tname, key_val, f.fields, xid));
    INSERT INTO audit.pending VALUES ('identity.audit_log', xid, new_id) ON CONFLICT DO NOTHING;
  ELSE
    new_id := nextval('audit.log_id_seq');
    INSERT INTO audit.log (id, at, db_role, action, table_name, row_key, old_row, new_row,
      reason, txid, digest) OVERRIDING SYSTEM VALUE
    VALUES (new_id, new_at, who, TG_OP, tname, key_val, old_j, new_j, why, xid,
      audit.row_digest(new_id, new_at, who, TG_OP, tname, key_val, old_j, new_j, why, xid));
    INSERT INTO audit.pending VALUES ('audit.log', xid, new_id) ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;

-- Statement-level capture of INSERT (transition table new_rows) and DELETE (old_rows): one
-- set-based insert into the log per statement, so a COPY of a million rows costs no trigger
-- call per row.
CREATE FUNCTION audit.capture_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, audit, identity AS $$
DECLARE
  why     text := audit.current_reason();
  key_col text := coalesce(TG_ARGV[0], 'id');
  tname   text := TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME;
  who     text := session_user;
  xid     bigint := txid_current();
  lo      bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF why IS NULL AND EXISTS (SELECT 1 FROM old_rows) THEN
      RAISE EXCEPTION 'a reason is required to delete a row of %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'MR001', HINT = 'give --reason';
    END IF;
    IF TG_TABLE_SCHEMA = 'identity' THEN
      WITH src AS (
        SELECT nextval('identity.audit_log_id_seq') AS id, clock_timestamp() AS at, x.j,
               x.j ->> key_col AS k
        FROM (SELECT to_jsonb(r) AS j FROM old_rows r) x
      ), ins AS (
        INSERT INTO identity.audit_log (id, at, db_role, action, table_name, row_key, old_row,
          new_row, reason, txid, salts, fields, digest) OVERRIDING SYSTEM VALUE
        SELECT s.id, s.at, who, 'DELETE', tname, s.k, s.j, NULL, why, xid, f.salts, f.fields,
          audit.identity_row_digest(s.id, s.at, who, 'DELETE', tname, s.k, f.fields, xid)
        FROM src s, LATERAL audit.identity_fields(s.j, NULL, why) f
        RETURNING id)
      SELECT min(id) INTO lo FROM ins;
    ELSE
      WITH src AS (
        SELECT nextval('audit.log_id_seq') AS id, clock_timestamp() AS at, x.j,
               x.j ->> key_col AS k
        FROM (SELECT to_jsonb(r) AS j FROM old_rows r) x
      ), ins AS (
        INSERT INTO audit.log (id, at, db_role, action, table_name, row_key, old_row, new_row,
          reason, txid, digest) OVERRIDING SYSTEM VALUE
        SELECT s.id, s.at, who, 'DELETE', tname, s.k, s.j, NULL, why, xid,
          audit.row_digest(s.id, s.at, who, 'DELETE', tname, s.k, s.j, NULL, why, xid)
        FROM src s
        RETURNING id)
      SELECT min(id) INTO lo FROM ins;
    END IF;
  ELSE
    IF TG_TABLE_SCHEMA = 'identity' THEN
      WITH src AS (
        SELECT nextval('identity.audit_log_id_seq') AS id, clock_timestamp() AS at, x.j,
               x.j ->> key_col AS k
        FROM (SELECT to_jsonb(r) AS j FROM new_rows r) x
      ), ins AS (
        INSERT INTO identity.audit_log (id, at, db_role, action, table_name, row_key, old_row,
          new_row, reason, txid, salts, fields, digest) OVERRIDING SYSTEM VALUE
        SELECT s.id, s.at, who, 'INSERT', tname, s.k, NULL, s.j, why, xid, f.salts, f.fields,
          audit.identity_row_digest(s.id, s.at, who, 'INSERT', tname, s.k, f.fields, xid)
        FROM src s, LATERAL audit.identity_fields(NULL, s.j, why) f
        RETURNING id)
      SELECT min(id) INTO lo FROM ins;
    ELSE
      WITH src AS (
        SELECT nextval('audit.log_id_seq') AS id, clock_timestamp() AS at, x.j,
               x.j ->> key_col AS k
        FROM (SELECT to_jsonb(r) AS j FROM new_rows r) x
      ), ins AS (
        INSERT INTO audit.log (id, at, db_role, action, table_name, row_key, old_row, new_row,
          reason, txid, digest) OVERRIDING SYSTEM VALUE
        SELECT s.id, s.at, who, 'INSERT', tname, s.k, NULL, s.j, why, xid,
          audit.row_digest(s.id, s.at, who, 'INSERT', tname, s.k, NULL, s.j, why, xid)
        FROM src s
        RETURNING id)
      SELECT min(id) INTO lo FROM ins;
    END IF;
  END IF;
  IF lo IS NOT NULL THEN
    INSERT INTO audit.pending
      VALUES (CASE WHEN TG_TABLE_SCHEMA = 'identity' THEN 'identity.audit_log' ELSE 'audit.log' END,
              xid, lo)
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;

-- Links this transaction's rows into each chain: see "Linking" above. Runs at commit (or at
-- the end of a statement under SET CONSTRAINTS … IMMEDIATE: then a later statement's rows get
-- an entry of their own).
CREATE FUNCTION audit.link() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, audit, identity AS $$
DECLARE
  xid   bigint := txid_current();
  p     record;
  n     bigint;
  lo    bigint;
  hi    bigint;
  rd    text;
  pseq  bigint;
  phash text;
  at    timestamptz;
  h     text;
BEGIN
  FOR p IN SELECT chain, min_id FROM audit.pending WHERE txid = xid ORDER BY chain COLLATE "C" LOOP
    DELETE FROM audit.pending WHERE chain = p.chain AND txid = xid;
    -- The transaction's rows, hashed in id order (no lock yet).
    IF p.chain = 'audit.log' THEN
      SELECT count(*), min(id), max(id), audit.chain_hash(string_agg(digest, '' ORDER BY id))
        INTO n, lo, hi, rd FROM audit.log WHERE id >= p.min_id AND txid = xid;
    ELSE
      SELECT count(*), min(id), max(id), audit.chain_hash(string_agg(digest, '' ORDER BY id))
        INTO n, lo, hi, rd FROM identity.audit_log WHERE id >= p.min_id AND txid = xid;
    END IF;
    CONTINUE WHEN n = 0;
    -- The chain lock (held to commit); 40001 under REPEATABLE READ/SERIALIZABLE if stale.
    UPDATE audit.chain_head SET touched_by = xid WHERE chain = p.chain
      RETURNING seq, hash INTO pseq, phash;
    at := clock_timestamp();
    h := audit.chain_hash(json_build_array(p.chain, pseq + 1, phash, xid, lo, hi, n, rd,
      audit.utc_text(at))::text);
    UPDATE audit.chain_head SET seq = pseq + 1, hash = h, linked_at = at WHERE chain = p.chain;
    INSERT INTO audit.chain_entry VALUES (p.chain, pseq + 1, phash, xid, lo, hi, n, rd, at, h);
  END LOOP;
  RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER link_chain AFTER INSERT ON audit.pending
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit.link();

-- Puts a table under audit (or re-attaches it): UPDATE row by row (paired old and new),
-- INSERT and DELETE per statement over transition tables; TRUNCATE refused.
CREATE OR REPLACE FUNCTION audit.enable(target regclass, key_column text DEFAULT 'id') RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  name text;
BEGIN
  FOR name IN SELECT tgname FROM pg_catalog.pg_trigger WHERE tgrelid = target AND tgname IN
      ('audit_capture', 'audit_capture_insert', 'audit_capture_delete', 'audit_no_truncate') LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', name, target);
  END LOOP;
  EXECUTE format(
    'CREATE TRIGGER audit_capture AFTER UPDATE ON %s '
    'FOR EACH ROW EXECUTE FUNCTION audit.capture(%L)', target, key_column);
  EXECUTE format(
    'CREATE TRIGGER audit_capture_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows '
    'FOR EACH STATEMENT EXECUTE FUNCTION audit.capture_rows(%L)', target, key_column);
  EXECUTE format(
    'CREATE TRIGGER audit_capture_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows '
    'FOR EACH STATEMENT EXECUTE FUNCTION audit.capture_rows(%L)', target, key_column);
  EXECUTE format(
    'CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON %s '
    'FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()', target);
END
$$;

-- Re-attach every table enabled so far (by any earlier migration), keeping its key column.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT DISTINCT t.tgrelid::regclass AS tbl,
             coalesce(nullif(split_part(encode(t.tgargs, 'escape'), '\000', 1), ''), 'id') AS key_col
           FROM pg_trigger t
           WHERE t.tgfoid = 'audit.capture()'::regprocedure AND t.tgname = 'audit_capture'
             AND NOT t.tgisinternal LOOP
    PERFORM audit.enable(r.tbl, r.key_col);
  END LOOP;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Reading and redaction.

-- The identity chain without identifying values: what `audit verify` needs from a monitor or
-- an admin (per-field digests, no values, no salts).
CREATE FUNCTION audit.identity_chain()
RETURNS TABLE (id bigint, at_us bigint, db_role text, action text, table_name text,
               row_key text, txid bigint, fields jsonb, digest text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, audit, identity AS $$
  SELECT l.id, (extract(epoch FROM l.at) * 1000000)::bigint, l.db_role, l.action,
         l.table_name, l.row_key, l.txid, l.fields, l.digest
  FROM identity.audit_log l ORDER BY l.id
$$;

-- Replaces one identifier of an identity audit row by the mark "[redacted]" (field: a column
-- of the audited row, in old_row and/or new_row, or "reason"), keeps its digest, drops its
-- salt, and records the redaction (action REDACT) in the identity chain with the reason.
CREATE FUNCTION audit.redact(target_id bigint, field text, why text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, audit, identity AS $$
DECLARE
  r      identity.audit_log;
  names  text[];
  mark   jsonb := '"[redacted]"';
  xid    bigint := txid_current();
  new_id bigint;
  new_at timestamptz := clock_timestamp();
  new_j  jsonb;
  f      record;
BEGIN
  IF nullif(btrim(why), '') IS NULL THEN
    RAISE EXCEPTION 'a redaction needs a reason' USING ERRCODE = 'MR060', COLUMN = '--reason';
  END IF;
  SELECT * INTO r FROM identity.audit_log WHERE id = target_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'identity audit row % does not exist', target_id
      USING ERRCODE = 'MR061', COLUMN = 'ID';
  END IF;
  SELECT array_agg(k) INTO names FROM jsonb_object_keys(r.salts) k
    WHERE k IN ('old.' || field, 'new.' || field) OR (field = 'reason' AND k = 'reason');
  IF names IS NULL THEN
    IF r.fields ? ('new.' || field) OR r.fields ? ('old.' || field) OR (field = 'reason' AND r.fields ? 'reason') THEN
      RAISE EXCEPTION 'field % of identity audit row % is already redacted', field, target_id
        USING ERRCODE = 'MR060', COLUMN = '--field';
    END IF;
    RAISE EXCEPTION 'identity audit row % has no field %', target_id, field
      USING ERRCODE = 'MR060', COLUMN = '--field';
  END IF;
  UPDATE identity.audit_log SET
    old_row = CASE WHEN 'old.' || field = ANY (names) THEN jsonb_set(old_row, ARRAY[field], mark) ELSE old_row END,
    new_row = CASE WHEN 'new.' || field = ANY (names) THEN jsonb_set(new_row, ARRAY[field], mark) ELSE new_row END,
    reason = CASE WHEN 'reason' = ANY (names) THEN '[redacted]' ELSE reason END,
    salts = salts - names
  WHERE id = target_id;
  -- The redaction's own audit row.
  new_id := nextval('identity.audit_log_id_seq');
  new_j := jsonb_build_object('id', target_id, 'field', field);
  f := audit.identity_fields(NULL, new_j, why);
  INSERT INTO identity.audit_log (id, at, db_role, action, table_name, row_key, old_row,
    new_row, reason, txid, salts, fields, digest) OVERRIDING SYSTEM VALUE
  VALUES (new_id, new_at, session_user, 'REDACT', 'identity.audit_log', target_id::text, NULL,
    new_j, why, xid, f.salts, f.fields,
    audit.identity_row_digest(new_id, new_at, session_user, 'REDACT', 'identity.audit_log',
      target_id::text, f.fields, xid));
  INSERT INTO audit.pending VALUES ('identity.audit_log', xid, new_id) ON CONFLICT DO NOTHING;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Protocol rules that count rows under REPEATABLE READ and SERIALIZABLE. The infusion gate
-- (0004) locks the patient row, which serialises READ COMMITTED writers; a transaction with an
-- older snapshot would still count without a concurrent infusion that committed meanwhile.
-- Under those levels each infusion first bumps the patient's row here: a concurrent
-- committed infusion makes that fail with 40001 (the client retries and counts again).
CREATE TABLE registry.patient_write_gate (
  study_id text PRIMARY KEY,
  writes   bigint NOT NULL
);
CREATE FUNCTION registry.serialize_infusions() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, registry AS $$
BEGIN
  IF NEW.voided_at IS NULL AND current_setting('transaction_isolation') <> 'read committed' THEN
    INSERT INTO registry.patient_write_gate VALUES (NEW.study_id, 1)
      ON CONFLICT (study_id) DO UPDATE SET writes = patient_write_gate.writes + 1;
  END IF;
  RETURN NEW;
END
$$;
-- Fires before infusion_lot_gate (triggers fire in name order).
CREATE TRIGGER infusion_a_serialize BEFORE INSERT ON registry.infusion
  FOR EACH ROW EXECUTE FUNCTION registry.serialize_infusions();

-- ---------------------------------------------------------------------------------------
-- Ownership and privileges.
DROP FUNCTION IF EXISTS audit.chain_hash(text, bigint, timestamptz, text, text, text, text,
  jsonb, jsonb, text, bigint);
ALTER FUNCTION audit.capture() OWNER TO mscreg_audit_writer;
ALTER FUNCTION audit.capture_rows() OWNER TO mscreg_audit_writer;
ALTER FUNCTION audit.link() OWNER TO mscreg_audit_writer;
ALTER FUNCTION audit.identity_chain() OWNER TO mscreg_audit_writer;
ALTER FUNCTION audit.redact(bigint, text, text) OWNER TO mscreg_audit_writer;
ALTER FUNCTION registry.serialize_infusions() OWNER TO mscreg_audit_writer;
REVOKE ALL ON FUNCTION audit.identity_chain() FROM PUBLIC;
REVOKE ALL ON FUNCTION audit.redact(bigint, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit.identity_chain() TO mscreg_monitor, mscreg_admin;
GRANT EXECUTE ON FUNCTION audit.redact(bigint, text, text) TO mscreg_admin;
REVOKE ALL ON audit.chain_entry, audit.pending, registry.patient_write_gate FROM PUBLIC;
GRANT SELECT, INSERT ON audit.chain_entry TO mscreg_audit_writer;
GRANT SELECT, INSERT, DELETE ON audit.pending TO mscreg_audit_writer;
GRANT SELECT ON audit.chain_entry TO mscreg_monitor, mscreg_admin;
GRANT UPDATE (old_row, new_row, reason, salts) ON identity.audit_log TO mscreg_audit_writer;
GRANT USAGE ON SCHEMA registry TO mscreg_audit_writer;
GRANT SELECT, INSERT, UPDATE ON registry.patient_write_gate TO mscreg_audit_writer;

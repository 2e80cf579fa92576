-- The audit trail's cost (issue 14, item 4), measured before changing anything (`demo seed`
-- and `demo load` with pg_stat_statements and track_functions = all): the formats of rows,
-- digests and entries stay exactly those of 0060 (`mscreg audit verify` is unchanged); what
-- changes is how the database computes them.
--
-- 1. Statement-level capture (audit.capture_rows) computes every row's digest set-wise in its
--    one INSERT … SELECT, with the built-in sha256() written out in the query. Before, each
--    row called audit.row_digest → audit.chain_hash, a SQL function declared IMMUTABLE around
--    the STABLE convert_to(), which PostgreSQL therefore never inlines: one SQL-function
--    executor per row. Identity rows called audit.identity_fields (a VOLATILE SQL function with
--    a subquery: an executor per row), audit.field_digest per field and audit.fields_text per
--    row; now the fields of every row of the statement are expanded, salted, digested and
--    aggregated in the same query.
-- 2. audit.chain_hash and audit.field_digest are declared STABLE (what their body is), so that
--    the row-level paths (audit.capture for UPDATE, audit.capture_sealed) get them inlined.
-- 3. audit.link() takes the chain lock and moves the head in one UPDATE (it read, then wrote
--    the head in two), and appends the entry in the same statement: the part run under the
--    lock is one statement per chain.
-- 4. registry.sees_all_sites(), the row-level security test every policy evaluates once per
--    statement, was a SQL function with a SET search_path calling registry.app_role() twice
--    (also with SET): three SQL-function executors and six GUC save/restores each time. The
--    infusion gate runs as mscreg_guard, to which row-level security applies, so every seeded
--    or recorded infusion paid it three times. It is now PL/pgSQL (plans kept for the session)
--    with every name schema-qualified instead of a pinned search_path; it is not SECURITY
--    DEFINER, and returns the same as before for every role.

CREATE OR REPLACE FUNCTION audit.chain_hash(t text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(t, 'UTF8')), 'hex')
$$;

CREATE OR REPLACE FUNCTION audit.field_digest(salt text, name text, value text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.encode(pg_catalog.sha256(
    pg_catalog.decode(salt, 'hex') || pg_catalog.convert_to(name || '=' || value, 'UTF8')), 'hex')
$$;

-- Statement-level capture of INSERT (new_rows) and DELETE (old_rows), as in 0060, set-wise.
-- Ids are drawn in the transition table's order (the CTE `src` is materialised: nextval is
-- volatile), so rows keep the order of the statement.
CREATE OR REPLACE FUNCTION audit.capture_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, audit, identity, pg_temp AS $$
DECLARE
  why     text := audit.current_reason();
  key_col text := coalesce(TG_ARGV[0], 'id');
  tname   text := TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME;
  who     text := session_user;
  xid     bigint := txid_current();
  act     text := TG_OP;
  lo      bigint;
BEGIN
  IF act = 'DELETE' AND why IS NULL THEN
    -- (nested: old_rows exists only in a DELETE trigger)
    IF EXISTS (SELECT 1 FROM old_rows) THEN
      RAISE EXCEPTION 'a reason is required to delete a row of %.%', TG_TABLE_SCHEMA,
        TG_TABLE_NAME USING ERRCODE = 'MR001', HINT = 'give --reason';
    END IF;
  END IF;
  IF TG_TABLE_SCHEMA = 'identity' THEN
    -- One row per audited row (id, time, row as jsonb), then one row per field (old.KEY or
    -- new.KEY, and the reason) with its own random salt and salted digest, aggregated back
    -- per row (the fields' text in byte order of their names, as audit.fields_text).
    IF act = 'DELETE' THEN
      WITH src AS (
        SELECT nextval('identity.audit_log_id_seq') AS id, clock_timestamp() AS at,
               to_jsonb(r) AS j
        FROM old_rows r
      ), fld AS (
        SELECT s.id, x.name, x.salt,
               encode(sha256(decode(x.salt, 'hex') || convert_to(x.name || '=' || x.v, 'UTF8')),
                      'hex') AS d
        FROM src s, LATERAL (
          SELECT y.name, y.v, replace(gen_random_uuid()::text, '-', '') AS salt
          FROM (
            SELECT 'old.' || e.key AS name, e.value::text AS v FROM jsonb_each(s.j) e
            UNION ALL
            SELECT 'reason', why WHERE why IS NOT NULL
          ) y
        ) x
      ), agg AS (
        SELECT f.id, jsonb_object_agg(f.name, f.salt) AS salts,
               jsonb_object_agg(f.name, f.d) AS fields,
               string_agg(f.name || '=' || f.d, ',' ORDER BY f.name COLLATE "C") AS ftext
        FROM fld f GROUP BY f.id
      ), ins AS (
        INSERT INTO identity.audit_log (id, at, db_role, action, table_name, row_key, old_row,
          new_row, reason, txid, salts, fields, digest) OVERRIDING SYSTEM VALUE
        SELECT s.id, s.at, who, act, tname, s.j ->> key_col, s.j, NULL, why, xid,
          coalesce(a.salts, '{}'), coalesce(a.fields, '{}'),
          encode(sha256(convert_to(json_build_array(s.id,
            to_char(s.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), who, act, tname,
            s.j ->> key_col, coalesce(a.ftext, ''), xid)::text, 'UTF8')), 'hex')
        FROM src s LEFT JOIN agg a ON a.id = s.id
        RETURNING id)
      SELECT min(id) INTO lo FROM ins;
    ELSE
      WITH src AS (
        SELECT nextval('identity.audit_log_id_seq') AS id, clock_timestamp() AS at,
               to_jsonb(r) AS j
        FROM new_rows r
      ), fld AS (
        SELECT s.id, x.name, x.salt,
               encode(sha256(decode(x.salt, 'hex') || convert_to(x.name || '=' || x.v, 'UTF8')),
                      'hex') AS d
        FROM src s, LATERAL (
          SELECT y.name, y.v, replace(gen_random_uuid()::text, '-', '') AS salt
          FROM (
            SELECT 'new.' || e.key AS name, e.value::text AS v FROM jsonb_each(s.j) e
            UNION ALL
            SELECT 'reason', why WHERE why IS NOT NULL
          ) y
        ) x
      ), agg AS (
        SELECT f.id, jsonb_object_agg(f.name, f.salt) AS salts,
               jsonb_object_agg(f.name, f.d) AS fields,
               string_agg(f.name || '=' || f.d, ',' ORDER BY f.name COLLATE "C") AS ftext
        FROM fld f GROUP BY f.id
      ), ins AS (
        INSERT INTO identity.audit_log (id, at, db_role, action, table_name, row_key, old_row,
          new_row, reason, txid, salts, fields, digest) OVERRIDING SYSTEM VALUE
        SELECT s.id, s.at, who, act, tname, s.j ->> key_col, NULL, s.j, why, xid,
          coalesce(a.salts, '{}'), coalesce(a.fields, '{}'),
          encode(sha256(convert_to(json_build_array(s.id,
            to_char(s.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), who, act, tname,
            s.j ->> key_col, coalesce(a.ftext, ''), xid)::text, 'UTF8')), 'hex')
        FROM src s LEFT JOIN agg a ON a.id = s.id
        RETURNING id)
      SELECT min(id) INTO lo FROM ins;
    END IF;
  ELSIF act = 'DELETE' THEN
    WITH src AS (
      SELECT nextval('audit.log_id_seq') AS id, clock_timestamp() AS at, to_jsonb(r) AS j
      FROM old_rows r
    ), ins AS (
      INSERT INTO audit.log (id, at, db_role, action, table_name, row_key, old_row, new_row,
        reason, txid, digest) OVERRIDING SYSTEM VALUE
      SELECT s.id, s.at, who, act, tname, s.j ->> key_col, s.j, NULL, why, xid,
        encode(sha256(convert_to(json_build_array(s.id,
          to_char(s.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), who, act, tname,
          s.j ->> key_col, s.j::text, NULL::text, why, xid)::text, 'UTF8')), 'hex')
      FROM src s
      RETURNING id)
    SELECT min(id) INTO lo FROM ins;
  ELSE
    WITH src AS (
      SELECT nextval('audit.log_id_seq') AS id, clock_timestamp() AS at, to_jsonb(r) AS j
      FROM new_rows r
    ), ins AS (
      INSERT INTO audit.log (id, at, db_role, action, table_name, row_key, old_row, new_row,
        reason, txid, digest) OVERRIDING SYSTEM VALUE
      SELECT s.id, s.at, who, act, tname, s.j ->> key_col, NULL, s.j, why, xid,
        encode(sha256(convert_to(json_build_array(s.id,
          to_char(s.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), who, act, tname,
          s.j ->> key_col, NULL::text, s.j::text, why, xid)::text, 'UTF8')), 'hex')
      FROM src s
      RETURNING id)
    SELECT min(id) INTO lo FROM ins;
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

-- Links this transaction's rows into each chain, as in 0060: the rows are hashed first
-- (without a lock); then one statement per chain takes the chain lock by updating the head
-- (40001 under REPEATABLE READ/SERIALIZABLE if the head moved after the snapshot), computes
-- the entry's hash from the head it locked, and appends the entry.
CREATE OR REPLACE FUNCTION audit.link() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, audit, identity, pg_temp AS $$
DECLARE
  xid bigint := txid_current();
  p   record;
  n   bigint;
  lo  bigint;
  hi  bigint;
  rd  text;
BEGIN
  FOR p IN WITH d AS (DELETE FROM audit.pending WHERE txid = xid RETURNING chain, min_id)
           SELECT d.chain, d.min_id FROM d ORDER BY d.chain COLLATE "C" LOOP
    -- The transaction's rows, hashed in id order (no lock yet).
    IF p.chain = 'audit.log' THEN
      SELECT count(*), min(id), max(id),
             encode(sha256(convert_to(string_agg(digest, '' ORDER BY id), 'UTF8')), 'hex')
        INTO n, lo, hi, rd FROM audit.log WHERE id >= p.min_id AND txid = xid;
    ELSE
      SELECT count(*), min(id), max(id),
             encode(sha256(convert_to(string_agg(digest, '' ORDER BY id), 'UTF8')), 'hex')
        INTO n, lo, hi, rd FROM identity.audit_log WHERE id >= p.min_id AND txid = xid;
    END IF;
    CONTINUE WHEN n = 0;
    -- The chain lock (held to commit): the UPDATE's SET reads the head it locked.
    WITH e AS (
      SELECT clock_timestamp() AS at
    ), h AS (
      UPDATE audit.chain_head c SET touched_by = xid, seq = c.seq + 1, linked_at = e.at,
        hash = encode(sha256(convert_to(json_build_array(c.chain, c.seq + 1, c.hash, xid, lo, hi,
          n, rd, to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text,
          'UTF8')), 'hex'),
        prev_hash = c.hash
      FROM e WHERE c.chain = p.chain
      RETURNING c.chain, c.seq, c.prev_hash, c.linked_at, c.hash)
    INSERT INTO audit.chain_entry (chain, seq, prev_hash, txid, first_id, last_id, n_rows,
      rows_digest, linked_at, hash)
    SELECT h.chain, h.seq, h.prev_hash, xid, lo, hi, n, rd, h.linked_at, h.hash FROM h;
  END LOOP;
  RETURN NULL;
END
$$;

-- The head's previous hash, kept by the UPDATE above (SET reads the row before the update).
ALTER TABLE audit.chain_head ADD COLUMN prev_hash text;

-- Row-level security's role test, as in 0032, without SET search_path (see 4. above).
CREATE OR REPLACE FUNCTION registry.sees_all_sites() RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
  t text;
BEGIN
  SELECT i.token INTO t FROM registry.instance i;
  RETURN NOT (
    pg_catalog.pg_has_role(CURRENT_USER, pg_catalog.concat('mscreg_coordinator_', t), 'MEMBER')
    OR pg_catalog.pg_has_role(CURRENT_USER, pg_catalog.concat('mscreg_investigator_', t), 'MEMBER'));
END
$$;

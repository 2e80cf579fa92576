-- Issue 14, item 4: the audit capture of UPDATE, set-wise (per statement) like INSERT and
-- DELETE since 0060/0092. Formats of rows, digests and entries are those of 0060: `mscreg
-- audit verify` is unchanged.
--
-- Before, `audit_capture` was a row-level trigger: one SECURITY DEFINER PL/pgSQL call (with
-- its search_path save and restore), two jsonb conversions, an insert into the log and one
-- into audit.pending per updated row; `demo seed`'s final status update alone called it for
-- a third of the patients. Now `audit_capture` is a statement-level AFTER UPDATE trigger over
-- the statement's transition tables (old_rows, new_rows), and audit.capture() (same function,
-- same owner, same name: it still handles the row-level case for any table attached the old
-- way) captures every updated row of the statement in one INSERT … SELECT.
--
-- Pairing. PostgreSQL appends each updated row's old and new version to the two transition
-- tables in the same call (AfterTriggerSaveEvent), so the n-th row of old_rows and the n-th of
-- new_rows are one row before and after; they are paired by that position (not by the audit
-- key, which is not unique in every table, e.g. a stratum of allocation_counter). Ids are drawn
-- in that order. As before: a reason is required when at least one row was updated (MR001),
-- and rows whose old and new values are equal are not logged.
--
-- search_path: pinned with pg_temp last (no temporary object can stand in for a name the
-- function uses).

CREATE OR REPLACE FUNCTION audit.capture() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, audit, identity, pg_temp AS $$
DECLARE
  why     text := audit.current_reason();
  key_col text := coalesce(TG_ARGV[0], 'id');
  tname   text := TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME;
  who     text := session_user;
  xid     bigint := txid_current();
  new_at  timestamptz;
  new_id  bigint;
  old_j   jsonb;
  new_j   jsonb;
  key_val text;
  f       record;
  lo      bigint;
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    -- UPDATE, set-wise (old_rows and new_rows paired by position; see above).
    IF why IS NULL THEN
      IF EXISTS (SELECT 1 FROM old_rows) THEN
        RAISE EXCEPTION 'a reason is required to update a row of %.%', TG_TABLE_SCHEMA,
          TG_TABLE_NAME USING ERRCODE = 'MR001', HINT = 'give --reason';
      END IF;
      RETURN NULL;
    END IF;
    IF TG_TABLE_SCHEMA = 'identity' THEN
      WITH o AS MATERIALIZED (
        SELECT row_number() OVER () AS n, to_jsonb(r) AS j FROM old_rows r
      ), nw AS MATERIALIZED (
        SELECT row_number() OVER () AS n, to_jsonb(r) AS j FROM new_rows r
      ), src AS MATERIALIZED (
        SELECT nextval('identity.audit_log_id_seq') AS id, clock_timestamp() AS at, x.oj, x.nj
        FROM (SELECT o.n, o.j AS oj, nw.j AS nj FROM o JOIN nw ON nw.n = o.n
              WHERE o.j IS DISTINCT FROM nw.j ORDER BY o.n) x
      ), fld AS (
        SELECT s.id, x.name, x.salt,
               encode(sha256(decode(x.salt, 'hex') || convert_to(x.name || '=' || x.v, 'UTF8')),
                      'hex') AS d
        FROM src s, LATERAL (
          SELECT y.name, y.v, replace(gen_random_uuid()::text, '-', '') AS salt
          FROM (
            SELECT 'old.' || e.key AS name, e.value::text AS v FROM jsonb_each(s.oj) e
            UNION ALL
            SELECT 'new.' || e.key, e.value::text FROM jsonb_each(s.nj) e
            UNION ALL
            SELECT 'reason', why
          ) y
        ) x
      ), agg AS (
        SELECT q.id, jsonb_object_agg(q.name, q.salt) AS salts,
               jsonb_object_agg(q.name, q.d) AS fields,
               string_agg(q.name || '=' || q.d, ',' ORDER BY q.name COLLATE "C") AS ftext
        FROM fld q GROUP BY q.id
      ), ins AS (
        INSERT INTO identity.audit_log (id, at, db_role, action, table_name, row_key, old_row,
          new_row, reason, txid, salts, fields, digest) OVERRIDING SYSTEM VALUE
        SELECT s.id, s.at, who, 'UPDATE', tname, s.nj ->> key_col, s.oj, s.nj, why, xid,
          coalesce(a.salts, '{}'), coalesce(a.fields, '{}'),
          encode(sha256(convert_to(json_build_array(s.id,
            to_char(s.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), who, 'UPDATE',
            tname, s.nj ->> key_col, coalesce(a.ftext, ''), xid)::text, 'UTF8')), 'hex')
        FROM src s LEFT JOIN agg a ON a.id = s.id
        RETURNING id)
      SELECT min(id) INTO lo FROM ins;
    ELSE
      WITH o AS MATERIALIZED (
        SELECT row_number() OVER () AS n, to_jsonb(r) AS j FROM old_rows r
      ), nw AS MATERIALIZED (
        SELECT row_number() OVER () AS n, to_jsonb(r) AS j FROM new_rows r
      ), src AS MATERIALIZED (
        SELECT nextval('audit.log_id_seq') AS id, clock_timestamp() AS at, x.oj, x.nj
        FROM (SELECT o.n, o.j AS oj, nw.j AS nj FROM o JOIN nw ON nw.n = o.n
              WHERE o.j IS DISTINCT FROM nw.j ORDER BY o.n) x
      ), ins AS (
        INSERT INTO audit.log (id, at, db_role, action, table_name, row_key, old_row, new_row,
          reason, txid, digest) OVERRIDING SYSTEM VALUE
        SELECT s.id, s.at, who, 'UPDATE', tname, s.nj ->> key_col, s.oj, s.nj, why, xid,
          encode(sha256(convert_to(json_build_array(s.id,
            to_char(s.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), who, 'UPDATE',
            tname, s.nj ->> key_col, s.oj::text, s.nj::text, why, xid)::text, 'UTF8')), 'hex')
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
  END IF;

  -- Row level (as 0060): UPDATE of a table attached the old way, and INSERT/DELETE of any
  -- table still attached the 0001 way.
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
  new_at := clock_timestamp();
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

-- Puts a table under audit (or re-attaches it), as 0060 but with UPDATE captured per
-- statement: INSERT, UPDATE and DELETE over transition tables; TRUNCATE refused.
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
    'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
    'FOR EACH STATEMENT EXECUTE FUNCTION audit.capture(%L)', target, key_column);
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

-- Re-attach every table under audit, keeping its key column (and whether its triggers are
-- enabled; none is disabled by the migrations).
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

ALTER FUNCTION audit.capture() OWNER TO mscreg_audit_writer;

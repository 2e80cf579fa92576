-- Issue 14, item 4(a): the capture of identity rows (INSERT and DELETE of tables in the
-- `identity` schema) without a per-row aggregate. The formats of rows, digests, salts and
-- entries are those of 0060/0092 (`mscreg audit verify` is unchanged); only how the database
-- computes them changes.
--
-- In 0092 the statement's identity rows were expanded into one row per field (jsonb_each),
-- each salted and digested, then grouped back per audit row with jsonb_object_agg twice and
-- string_agg(… ORDER BY name): a sort of every field of the statement (spilled to disk at
-- 10,000 patients) and one more sort per row for the ordered aggregate — about 60 µs per
-- identity row, a tenth of `demo seed`'s audit time for a fifteenth of its rows. Every row of
-- a statement has the same fields (the table's columns, and the reason), so their names are
-- now sorted once per statement and the statement's INSERT … SELECT is written for them
-- (EXECUTE): one salt and one digest column per field, `fields` and `salts` built by
-- jsonb_object over the sorted names, and fields_text concatenated in that order. The salt is
-- still 16 random bytes per field per row (gen_random_uuid(), as 0092: its hex without
-- dashes), now taken as bytes (uuid_send) instead of through text and decode. The non-identity
-- paths and audit.link are unchanged from 0092.
--
-- Also: the capture and the summary's refresh run with jit = off. Their statements' estimated
-- costs (transition tables of tens of thousands of rows) crossed jit_above_cost, and compiling
-- took 10–80 ms per statement for expressions that are mostly calls into jsonb and sha256.

CREATE OR REPLACE FUNCTION audit.capture_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, audit, identity, pg_temp AS $$
DECLARE
  why     text := audit.current_reason();
  key_col text := coalesce(TG_ARGV[0], 'id');
  tname   text := TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME;
  who     text := registry.actor();
  xid     bigint := txid_current();
  act     text := TG_OP;
  lo      bigint;
  pfx     text;
  cols    text[];
  names   text[];
  vals    text[];
  salt_cols   text;
  digest_cols text;
  salt_list   text;
  digest_list text;
  ftext   text;
BEGIN
  IF act = 'DELETE' AND why IS NULL THEN
    -- (nested: old_rows exists only in a DELETE trigger)
    IF EXISTS (SELECT 1 FROM old_rows) THEN
      RAISE EXCEPTION 'a reason is required to delete a row of %.%', TG_TABLE_SCHEMA,
        TG_TABLE_NAME USING ERRCODE = 'MR001', HINT = 'give --reason';
    END IF;
  END IF;
  IF TG_TABLE_SCHEMA = 'identity' THEN
    -- The fields of a row are the same for every row of the statement: each key of the row's
    -- jsonb (every column of the table) as old.KEY (DELETE) or new.KEY (INSERT), and the
    -- reason when there is one. Their names are sorted once, here (byte order, as
    -- audit.fields_text), and the statement's INSERT … SELECT is written for them: per row one
    -- random salt (uuid_send(gen_random_uuid()): 16 bytes, whose hex is the text 0092 stored)
    -- and one digest per field, as columns, then fields_text by concatenation in that order.
    -- No aggregation per row and no sort: the digests, salts and texts are those of 0092.
    pfx := CASE WHEN act = 'DELETE' THEN 'old.' ELSE 'new.' END;
    IF act = 'DELETE' THEN
      SELECT array_agg(k.key) INTO cols FROM jsonb_object_keys((SELECT to_jsonb(r) FROM old_rows r LIMIT 1)) AS k(key);
    ELSE
      SELECT array_agg(k.key) INTO cols FROM jsonb_object_keys((SELECT to_jsonb(r) FROM new_rows r LIMIT 1)) AS k(key);
    END IF;
    IF cols IS NULL THEN
      RETURN NULL;  -- no row
    END IF;
    -- (name, value expression) per field, in byte order of the name.
    SELECT array_agg(f.name ORDER BY f.name COLLATE "C"), array_agg(f.v ORDER BY f.name COLLATE "C")
      INTO names, vals
      FROM (SELECT pfx || c AS name, format('(s.j -> %L)::text', c) AS v FROM unnest(cols) AS c
            UNION ALL
            SELECT 'reason', '$5' WHERE why IS NOT NULL) f;
    salt_cols := '';
    digest_cols := '';
    salt_list := '';
    digest_list := '';
    ftext := '';
    FOR i IN 1 .. cardinality(names) LOOP
      salt_cols := salt_cols || format(', uuid_send(gen_random_uuid()) AS s%s', i);
      digest_cols := digest_cols || format(
        ', encode(sha256(s.s%s || convert_to(%L || %s, ''UTF8'')), ''hex'') AS d%s',
        i, names[i] || '=', vals[i], i);
      salt_list := salt_list || CASE WHEN i > 1 THEN ', ' ELSE '' END || format('encode(f.s%s, ''hex'')', i);
      digest_list := digest_list || CASE WHEN i > 1 THEN ', ' ELSE '' END || format('f.d%s', i);
      ftext := ftext || CASE WHEN i > 1 THEN ' || '','' || ' ELSE '' END || format('%L || f.d%s', names[i] || '=', i);
    END LOOP;
    EXECUTE format($q$
      WITH src AS MATERIALIZED (
        SELECT nextval('identity.audit_log_id_seq') AS id, clock_timestamp() AS at,
               to_jsonb(r) AS j %1$s
        FROM %2$I r
      ), f AS (
        SELECT s.* %3$s FROM src s
      ), ins AS (
        INSERT INTO identity.audit_log (id, at, db_role, action, table_name, row_key, old_row,
          new_row, reason, txid, salts, fields, digest) OVERRIDING SYSTEM VALUE
        SELECT f.id, f.at, $1, $2, $3, f.j ->> $4, %4$s, %5$s, $5, $6,
          jsonb_object($7::text[], ARRAY[%6$s]), jsonb_object($7::text[], ARRAY[%7$s]),
          encode(sha256(convert_to(json_build_array(f.id,
            to_char(f.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), $1, $2, $3,
            f.j ->> $4, %8$s, $6)::text, 'UTF8')), 'hex')
        FROM f
        RETURNING id)
      SELECT min(id) FROM ins
      $q$,
      salt_cols, CASE WHEN act = 'DELETE' THEN 'old_rows' ELSE 'new_rows' END, digest_cols,
      CASE WHEN act = 'DELETE' THEN 'f.j' ELSE 'NULL::jsonb' END,
      CASE WHEN act = 'DELETE' THEN 'NULL::jsonb' ELSE 'f.j' END,
      salt_list, digest_list, ftext)
    INTO lo USING who, act, tname, key_col, why, xid, names;
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


ALTER FUNCTION audit.capture_rows() SET jit = off;
ALTER FUNCTION audit.capture() SET jit = off;
ALTER FUNCTION registry.refresh_patient_summary(text[]) SET jit = off;

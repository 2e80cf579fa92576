-- The audit trail: one trigger function that every audited table uses.
--
-- Each row change writes an append-only row: when, who (session_user: the login role), what
-- (action, table, key), the old and new row as jsonb, and the reason the application gave for
-- this transaction (set_config('mscreg.reason', …, true)). UPDATE and DELETE require a reason.
-- Rows of tables in the `identity` schema are audited into identity.audit_log, so that no
-- MRN, name or birth date ever reaches a table outside that schema.

CREATE SCHEMA audit;
CREATE SCHEMA registry;
CREATE SCHEMA identity;

CREATE TABLE audit.log (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  db_role    text        NOT NULL DEFAULT session_user,
  action     text        NOT NULL CHECK (action IN ('INSERT', 'UPDATE', 'DELETE')),
  table_name text        NOT NULL,
  row_key    text        NOT NULL,
  old_row    jsonb,
  new_row    jsonb,
  reason     text,
  txid       bigint      NOT NULL DEFAULT txid_current()
);
CREATE INDEX audit_log_at_idx ON audit.log (at);
CREATE INDEX audit_log_row_idx ON audit.log (table_name, row_key);

CREATE TABLE identity.audit_log (LIKE audit.log INCLUDING ALL);

-- The reason the application gave for the current transaction, or NULL.
CREATE FUNCTION audit.current_reason() RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT nullif(btrim(current_setting('mscreg.reason', true)), '')
$$;

CREATE FUNCTION audit.capture() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  why     text := audit.current_reason();
  key_col text := coalesce(TG_ARGV[0], 'id');
  old_j   jsonb;
  new_j   jsonb;
  key_val text;
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
  IF TG_TABLE_SCHEMA = 'identity' THEN
    INSERT INTO identity.audit_log (action, table_name, row_key, old_row, new_row, reason)
    VALUES (TG_OP, TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, key_val, old_j, new_j, why);
  ELSE
    INSERT INTO audit.log (action, table_name, row_key, old_row, new_row, reason)
    VALUES (TG_OP, TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, key_val, old_j, new_j, why);
  END IF;
  RETURN NULL;
END
$$;

-- Audit logs are append-only, also for the superuser: no UPDATE, DELETE or TRUNCATE.
CREATE FUNCTION audit.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%.% keeps its rows for the audit trail: % is not allowed',
    TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'MR002';
END
$$;

CREATE TRIGGER append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit.log
  FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON identity.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

REVOKE ALL ON audit.log, identity.audit_log FROM PUBLIC;

-- Puts a table under audit: every row change is captured; TRUNCATE (which skips row
-- triggers) is refused. `key_column` names the column that identifies a row.
CREATE FUNCTION audit.enable(target regclass, key_column text DEFAULT 'id') RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format(
    'CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON %s '
    'FOR EACH ROW EXECUTE FUNCTION audit.capture(%L)', target, key_column);
  EXECUTE format(
    'CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON %s '
    'FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()', target);
END
$$;

-- Allocation concealment in the audit trail (issue 11, item 3): the randomization seed no
-- longer reaches audit.log, which monitors and admins read.
--
-- Until now registry.protocol was audited like any table: its audit.log row copied the whole
-- row, and with it the file as loaded (`source`), its parsed `definition` (both holding
-- `randomization.seed`) and the file's `checksum` (from which a low-entropy seed can be
-- searched). Column privileges kept those columns from monitors, the audit row did not.
--
-- Now registry.protocol is audited by audit.capture_sealed('id', 'source', 'definition',
-- 'checksum'): each write gives
--   - one audit.log row with the row *without* the sealed columns (it keeps sealed_source,
--     sealed_definition and sealed_checksum, the copies whose seed is 0), digested and linked
--     into the audit.log chain exactly like any other audit.log row; and
--   - one identity.audit_log row (same action, table, key, time and reason) holding only the
--     sealed columns, stored with per-field random salts and digests like every identity
--     audit row: the owner reads the values, monitors and admins read only the salted
--     digests through audit.identity_chain() (which `mscreg audit verify` checks), and
--     `audit redact` can redact them.
-- Every write is still audited, both chains still verify, and no login role but admin (who
-- reads registry.protocol.source itself) can read the seed.
--
-- Protocols loaded before this migration keep their audit.log rows, seed included: the rows
-- are digested and linked into the chain, and rewriting them would break it. A registry that
-- must conceal those seeds from monitors loads a new protocol version with a new seed.
--
-- For later migrations: registry.protocol carries no audit.capture() trigger on purpose;
-- do not call audit.enable('registry.protocol') (that would copy the seed into audit.log
-- again).

CREATE FUNCTION audit.capture_sealed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, audit, identity, pg_temp AS $$
DECLARE
  why     text := audit.current_reason();
  key_col text := TG_ARGV[0];
  sealed  text[] := TG_ARGV[1:TG_NARGS - 1];
  tname   text := TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME;
  who     text := session_user;
  xid     bigint := txid_current();
  new_at  timestamptz := clock_timestamp();
  new_id  bigint;
  old_j   jsonb;
  new_j   jsonb;
  old_s   jsonb;
  new_s   jsonb;
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
  SELECT jsonb_object_agg(e.key, e.value) INTO old_s
    FROM jsonb_each(old_j) e WHERE e.key = ANY (sealed);
  SELECT jsonb_object_agg(e.key, e.value) INTO new_s
    FROM jsonb_each(new_j) e WHERE e.key = ANY (sealed);
  old_j := old_j - sealed;
  new_j := new_j - sealed;

  new_id := nextval('audit.log_id_seq');
  INSERT INTO audit.log (id, at, db_role, action, table_name, row_key, old_row, new_row,
    reason, txid, digest) OVERRIDING SYSTEM VALUE
  VALUES (new_id, new_at, who, TG_OP, tname, key_val, old_j, new_j, why, xid,
    audit.row_digest(new_id, new_at, who, TG_OP, tname, key_val, old_j, new_j, why, xid));
  INSERT INTO audit.pending VALUES ('audit.log', xid, new_id) ON CONFLICT DO NOTHING;

  IF old_s IS NOT NULL OR new_s IS NOT NULL THEN
    new_id := nextval('identity.audit_log_id_seq');
    f := audit.identity_fields(old_s, new_s, why);
    INSERT INTO identity.audit_log (id, at, db_role, action, table_name, row_key, old_row,
      new_row, reason, txid, salts, fields, digest) OVERRIDING SYSTEM VALUE
    VALUES (new_id, new_at, who, TG_OP, tname, key_val, old_s, new_s, why, xid, f.salts,
      f.fields, audit.identity_row_digest(new_id, new_at, who, TG_OP, tname, key_val, f.fields, xid));
    INSERT INTO audit.pending VALUES ('identity.audit_log', xid, new_id) ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;
ALTER FUNCTION audit.capture_sealed() OWNER TO mscreg_audit_writer;
REVOKE ALL ON FUNCTION audit.capture_sealed() FROM PUBLIC;

DROP TRIGGER IF EXISTS audit_capture ON registry.protocol;
DROP TRIGGER IF EXISTS audit_capture_insert ON registry.protocol;
DROP TRIGGER IF EXISTS audit_capture_delete ON registry.protocol;
-- (audit_no_truncate stays.) Row by row: protocols are loaded one at a time.
CREATE TRIGGER audit_capture_sealed AFTER INSERT OR UPDATE OR DELETE ON registry.protocol
  FOR EACH ROW EXECUTE FUNCTION audit.capture_sealed('id', 'source', 'definition', 'checksum');

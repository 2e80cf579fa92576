-- Issue 14, item 4(a): the per-patient summary (0110) recomputed once per transaction, at
-- commit, instead of once per statement of each of its five tables.
--
-- Before, every INSERT, UPDATE or DELETE of assessments, infusions, adverse events, clinical
-- events and consents recomputed the summary of the patients it touched: a `demo seed` chunk
-- recomputed each of its patients five times (once per table), and a transaction that
-- records an assessment and an adverse event of one patient recomputed it twice. Now the
-- statement triggers only note the study IDs they touched (registry.patient_summary_touched,
-- one row per statement), and the first such statement of a transaction records the
-- transaction in registry.patient_summary_pending, whose DEFERRABLE INITIALLY DEFERRED
-- constraint trigger runs registry.patient_summary_commit() once, at commit (as audit.pending
-- runs audit.link()): it takes every noted study ID of the transaction and recomputes those
-- patients with registry.refresh_patient_summary (0110, unchanged: stub rows, the rows locked
-- in study-ID order, then recomputed in a later statement whose snapshot sees every writer
-- that held them before).
--
-- What stays true: (1) every committed write to the five tables is followed, in the same
-- transaction and before its commit completes, by a recomputation of each patient it touched
-- from the tables themselves, made after every statement of the transaction (a client may
-- move it earlier with SET CONSTRAINTS … IMMEDIATE; a later statement notes its patients and
-- queues the step again); (2) a rolled-back statement, savepoint or transaction takes its
-- notes and its queued step with it; (3) under concurrent writers of one patient each
-- recomputation still locks the summary row first and reads the records in a later
-- statement, so the last to commit writes a summary that includes every committed record.
-- The summary read inside the writing transaction itself is not yet current before its
-- commit (nothing reads it there: only the cohort report, in its own transaction).
-- Neither table is readable or writable by any login role; both hold rows only while their
-- transaction is in flight (deleted at commit), so they are UNLOGGED.

CREATE UNLOGGED TABLE registry.patient_summary_pending (
  txid bigint PRIMARY KEY
);
CREATE UNLOGGED TABLE registry.patient_summary_touched (
  txid bigint NOT NULL,
  ids  text[] NOT NULL
);
CREATE INDEX patient_summary_touched_txid ON registry.patient_summary_touched (txid);
COMMENT ON TABLE registry.patient_summary_pending IS
  'Transactions whose patients'' summaries are recomputed at commit (migration 0130)';
COMMENT ON TABLE registry.patient_summary_touched IS
  'Study IDs touched per statement, until the commit recomputes them (migration 0130)';
REVOKE ALL ON registry.patient_summary_pending, registry.patient_summary_touched FROM PUBLIC;
GRANT SELECT, INSERT, DELETE ON registry.patient_summary_pending,
  registry.patient_summary_touched TO mscreg_guard;

-- The statement-level trigger of the five tables: notes the study IDs of the rows it touched
-- and queues the transaction's recomputation at commit.
CREATE OR REPLACE FUNCTION registry.patient_summary_touch() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, registry, pg_temp AS $$
DECLARE
  ids text[];
  xid bigint;
BEGIN
  -- (DISTINCT in a subquery: hashed, where array_agg(DISTINCT …) sorts)
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(t.study_id) INTO ids FROM (SELECT DISTINCT study_id FROM new_rows) t;
  ELSIF TG_OP = 'UPDATE' THEN
    SELECT array_agg(t.study_id) INTO ids
      FROM (SELECT study_id FROM new_rows UNION SELECT study_id FROM old_rows) t;
  ELSE
    SELECT array_agg(t.study_id) INTO ids FROM (SELECT DISTINCT study_id FROM old_rows) t;
  END IF;
  IF ids IS NULL THEN
    RETURN NULL;
  END IF;
  xid := txid_current();
  INSERT INTO registry.patient_summary_touched (txid, ids) VALUES (xid, ids);
  INSERT INTO registry.patient_summary_pending (txid) VALUES (xid) ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;

-- At commit (the pending row's deferred constraint trigger): every study ID the transaction
-- noted, recomputed once.
CREATE FUNCTION registry.patient_summary_commit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, registry, pg_temp AS $$
DECLARE
  touched text[];
BEGIN
  DELETE FROM registry.patient_summary_pending p WHERE p.txid = NEW.txid;
  WITH d AS (
    DELETE FROM registry.patient_summary_touched t WHERE t.txid = NEW.txid RETURNING t.ids
  )
  SELECT array_agg(u.x) INTO touched FROM (SELECT DISTINCT x FROM d, unnest(d.ids) AS x) u;
  PERFORM registry.refresh_patient_summary(touched);
  RETURN NULL;
END
$$;
ALTER FUNCTION registry.patient_summary_commit() OWNER TO mscreg_guard;
REVOKE ALL ON FUNCTION registry.patient_summary_commit() FROM PUBLIC;

CREATE CONSTRAINT TRIGGER patient_summary_at_commit AFTER INSERT
  ON registry.patient_summary_pending DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION registry.patient_summary_commit();

-- The recomputation itself (0110's function, same signature and owner). A patient without a
-- summary row gets it in one INSERT that computes it (a seed's or an import's patients: one
-- write per row where 0110 wrote a stub, locked it and updated it). Such a row needs no lock
-- of its own: while this transaction is in flight no other can see or change it, and another
-- writer of the same patient who tries to insert it waits for this transaction and then finds
-- it (ON CONFLICT DO NOTHING) and takes the second path. The second path is 0110's, for the
-- patients that already had a row (or whose row another transaction inserted first): lock
-- them in study-ID order, then recompute in a later statement, whose snapshot sees what the
-- writers that held them before committed.
CREATE OR REPLACE FUNCTION registry.refresh_patient_summary(ids text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, registry, pg_temp AS $$
DECLARE
  fresh text[];
BEGIN
  ids := ARRAY(SELECT DISTINCT x FROM unnest(ids) AS x
               WHERE x IS NOT NULL
                 AND EXISTS (SELECT 1 FROM registry.patient p WHERE p.study_id = x)
               ORDER BY x);
  IF cardinality(ids) = 0 THEN
    RETURN;
  END IF;
  WITH ins AS (
    INSERT INTO registry.patient_summary
      SELECT n.* FROM registry.patient_summary_of(ARRAY(
        SELECT x FROM unnest(ids) AS x
        WHERE NOT EXISTS (SELECT 1 FROM registry.patient_summary s WHERE s.study_id = x))) n
      ORDER BY n.study_id
      ON CONFLICT (study_id) DO NOTHING
      RETURNING study_id)
  SELECT array_agg(ins.study_id) INTO fresh FROM ins;
  IF fresh IS NOT NULL THEN
    ids := ARRAY(SELECT x FROM unnest(ids) AS x EXCEPT SELECT y FROM unnest(fresh) AS y ORDER BY 1);
    IF cardinality(ids) = 0 THEN
      RETURN;
    END IF;
  END IF;
  PERFORM 1 FROM registry.patient_summary s WHERE s.study_id = ANY (ids)
    ORDER BY s.study_id FOR UPDATE;
  -- A new statement, so a new snapshot (READ COMMITTED): it sees what the writers that held
  -- these rows before us committed.
  UPDATE registry.patient_summary s
     SET latest_on = n.latest_on, assessed_on = n.assessed_on, infused_on = n.infused_on,
         adverse_on = n.adverse_on, ae_worst = n.ae_worst, ae_serious = n.ae_serious,
         ae_related = n.ae_related, ae_related_serious = n.ae_related_serious,
         ae_unrelated = n.ae_unrelated, ae_unrelated_serious = n.ae_unrelated_serious,
         event_on = n.event_on, death_on = n.death_on,
         liver_transplant_on = n.liver_transplant_on,
         lost_to_follow_up_on = n.lost_to_follow_up_on, withdrawn_on = n.withdrawn_on
    FROM registry.patient_summary_of(ids) n
   WHERE s.study_id = n.study_id
     AND (s.*) IS DISTINCT FROM (n.*);
END
$$;

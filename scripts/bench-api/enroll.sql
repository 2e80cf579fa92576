-- One enrollment as `mscreg serve` sends it for `POST /patients` (scripts/bench, step api),
-- replayed by pgbench on the service's own login: captured with log_statement = 'all' for
-- that login (2026-12-02; re-checked 2026-12-03), the same statements in the same order, in
-- one transaction under the coordinator's role. What the service sends besides, inside the
-- same transaction, is not here: the session token's check (registry.session_valid(digest),
-- sent with BEGIN and the role switch in one simple-query round trip, where pgbench sends
-- BEGIN and the switch as two) is the API's own cost. Values the service binds as
-- parameters are pgbench variables or literals; pgbench -M extended sends them as
-- parameters of unnamed statements, as libpq's PQexecParams does for the service.
-- Client i enrolls at site B<i mod 16>, as load.py's does; -D coordinator=NAME names the role.
\set r random(1, 999999999999)
\set site :client_id % 16
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('role', :coordinator, true);
SELECT code, name, country FROM registry.site WHERE code = 'B' || :site::text;
SELECT has_column_privilege('registry.protocol', 'source', 'SELECT') AS ok;
SELECT id AS protocol_id, sealed_source AS source, sealed_definition AS definition,
       sealed_checksum AS checksum, loaded_at, false AS seed_readable
FROM registry.protocol
WHERE code = 'SLE-UCMSC' AND (NULL::int IS NULL OR version = NULL::int)
ORDER BY version DESC LIMIT 1 \gset
SELECT registry.mrn_enrolled('SLE-UCMSC', 'PGB' || :client_id::text || '-' || :r::text) AS enrolled;
SELECT study_id, arm, seq FROM registry.enroll(:protocol_id, 'B' || :site::text, 'F', 1990, 36,
  '2026-06-01', 'PGB' || :client_id::text || '-' || :r::text, 'Bench', 'Client', '1990-04-02',
  NULL) \gset
INSERT INTO registry.consent (study_id, version, signed_on) VALUES (:study_id, '1.0', '2026-05-20');
INSERT INTO registry.screening (protocol_id, site_code, screened_on, eligible, failed_criteria, study_id)
VALUES (:protocol_id, 'B' || :site::text, '2026-06-01', true, to_jsonb('{}'::text[]), :study_id);
INSERT INTO registry.assessment (study_id, visit_code, assessed_on, sledai_descriptors, pga, bilag, eular_acr_items, ana_titer, upcr, creatinine, c3, c4, anti_dsdna, bilirubin, inr, sodium, albumin, dialysis, ascites, encephalopathy, entered, sledai_2k, eular_acr_2019, meld, meld_na, meld_3, child_pugh, child_pugh_class, engine_version, out_of_window, deviation_reason)
VALUES (:study_id, 'baseline', '2026-06-01', '{arthritis,proteinuria,rash,low_complement}', 1.5, NULL, '{joint_involvement,low_c3_and_c4,anti_dsdna_or_anti_sm}', 320, 1.8, 1.1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, NULL, NULL, '{"upcr": {"unit": "g/g", "value": 1.8}, "creatinine": {"unit": "mg/dL", "value": 1.1}}', 12, 16, NULL, NULL, NULL, NULL, NULL, '2026.11.1', false, NULL)
RETURNING id;
COMMIT;

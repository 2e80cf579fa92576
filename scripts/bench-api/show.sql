-- One `GET /patients/{study_id}` as `mscreg serve` sends it (scripts/bench, step api),
-- replayed by pgbench on the service's own login: captured with log_statement = 'all' for
-- that login (2026-12-02; 2026-12-03 with the ETag's version read in the same transaction),
-- the same statements in the same order, in one REPEATABLE READ transaction under the
-- coordinator's role. The session token's check the service sends with BEGIN and the role
-- switch (registry.session_valid(digest), one round trip with them) is the API's own cost.
-- The study ID is drawn at random, as load.py's are: site B<0…sites-1>, number 1…per_site
-- (-D sites=N -D per_site=N -D coordinator=NAME), written as the service's 4 digits.
\set site random(0, :sites - 1)
\set n random(1, :per_site)
\set a :n / 1000
\set b (:n / 100) % 10
\set c (:n / 10) % 10
\set d :n % 10
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT set_config('role', :coordinator, true);
SELECT p.study_id, p.protocol_code, pr.version AS protocol_version, p.site_code, p.sex,
p.birth_year, p.age_at_enrollment, p.enrolled_on, p.arm, p.status, p.status_on,
p.synthetic
FROM registry.patient p JOIN registry.protocol pr ON pr.id = p.protocol_id
WHERE p.study_id = 'SLE-B' || :site::text || '-' || :a::text || :b::text || :c::text || :d::text;
SELECT version, signed_on, withdrawn_on
FROM registry.consent WHERE study_id = 'SLE-B' || :site::text || '-' || :a::text || :b::text || :c::text || :d::text ORDER BY signed_on, id;
SELECT i.id, i.study_id, i.lot_number, i.infused_on, i.weight_kg, i.total_cells, i.dose_per_kg,
i.route, i.voided_at, i.void_reason FROM registry.infusion i
WHERE i.study_id = 'SLE-B' || :site::text || '-' || :a::text || :b::text || :c::text || :d::text ORDER BY i.infused_on, i.id;
SELECT xmin::text AS v FROM registry.patient WHERE study_id = 'SLE-B' || :site::text || '-' || :a::text || :b::text || :c::text || :d::text;
COMMIT;

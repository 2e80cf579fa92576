-- Every command checks, when it connects, that the database holds exactly the migrations its
-- binary knows (README "Schema migrations"). Application roles must be able to read which
-- migrations are applied: the version and name only (not who applied them, nor checksums).
GRANT SELECT (version, name) ON public.schema_migrations TO PUBLIC;

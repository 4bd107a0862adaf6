-- Read-only queries (PostgreSQL): the role `aivis query` and the reports run their one statement
-- as (SET LOCAL ROLE aivis_reader, inside a READ ONLY transaction that is always rolled back).
-- It may read every table of this schema except day_salts (the secret salts of the visitor keys),
-- and tables created later by this user (default privileges). It may not call set_config: with
-- it a query could SET ROLE back to the connecting user, who reads everything. Being NOLOGIN and
-- a member of nothing, it cannot read server files or run programs (pg_read_file, COPY … TO
-- PROGRAM, lo_export).
--
-- Roles belong to the whole cluster, and databases may migrate side by side: an existing role
-- (or one created concurrently) is fine. A deployment user that may not create or grant roles
-- still migrates: each step it lacks the privilege for is skipped with a NOTICE, and `aivis query`
-- then refuses to run, printing the SQL a database administrator must run.
DO $$
DECLARE
    target_schema TEXT := current_schema();
BEGIN
    BEGIN
        CREATE ROLE aivis_reader NOLOGIN;
    EXCEPTION
        WHEN duplicate_object OR unique_violation THEN
            NULL;
        WHEN insufficient_privilege THEN
            RAISE NOTICE 'aivis: cannot create role aivis_reader (%); aivis query will print the SQL to run', SQLERRM;
    END;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aivis_reader') THEN
        RETURN;
    END IF;

    EXECUTE format('GRANT USAGE ON SCHEMA %I TO aivis_reader', target_schema);
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO aivis_reader', target_schema);
    EXECUTE format('REVOKE ALL ON TABLE %I.day_salts FROM aivis_reader', target_schema);
    ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO aivis_reader;

    BEGIN
        GRANT aivis_reader TO CURRENT_USER;
    EXCEPTION
        WHEN unique_violation THEN
            NULL;
        WHEN insufficient_privilege OR invalid_grant_operation THEN
            RAISE NOTICE 'aivis: cannot grant role aivis_reader to %: %', current_user, SQLERRM;
    END;

    -- Only the function's owner (a superuser) can; anyone else gets a WARNING or this NOTICE.
    BEGIN
        REVOKE EXECUTE ON FUNCTION pg_catalog.set_config(text, text, boolean) FROM PUBLIC;
    EXCEPTION
        WHEN insufficient_privilege THEN
            RAISE NOTICE 'aivis: cannot revoke set_config from PUBLIC: %', SQLERRM;
    END;
END
$$;

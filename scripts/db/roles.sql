-- Least privilege for Gentle Space Realty.
--
-- Two roles: {{OWNER}} owns the database and its objects and runs the migrations; {{APP}} is
-- what the Worker connects as, with only the DML it needs: no DDL, no superuser, no
-- TRUNCATE, and no UPDATE on the append-only analytics_events, property_status_history and
-- property_price_history.
--
-- Apply with `npm run db:roles` (scripts/db/roles.ts fills in the placeholders), as a role
-- that may create roles and change the database's owner (the server's admin, or Neon's
-- project owner). It is idempotent: run it once before the first migration and again after
-- every migration, so that per-table rules reach tables that did not exist before.

-- Roles. Passwords are set only when given (NULL keeps the current one).
DO $roles$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {{OWNER_NAME}}) THEN
    CREATE ROLE {{OWNER}} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {{APP_NAME}}) THEN
    CREATE ROLE {{APP}} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT;
  END IF;
  IF {{OWNER_PASSWORD}}::text IS NOT NULL THEN
    EXECUTE format('ALTER ROLE %I PASSWORD %L', {{OWNER_NAME}}, {{OWNER_PASSWORD}}::text);
  END IF;
  IF {{APP_PASSWORD}}::text IS NOT NULL THEN
    EXECUTE format('ALTER ROLE %I PASSWORD %L', {{APP_NAME}}, {{APP_PASSWORD}}::text);
  END IF;
END
$roles$;

-- A runaway query or a forgotten transaction must not hold locks for long.
ALTER ROLE {{APP}} SET statement_timeout = '30s';
ALTER ROLE {{APP}} SET idle_in_transaction_session_timeout = '60s';

-- The owner owns the database (so the migrator may create its own schema) and the public schema.
ALTER DATABASE {{DATABASE}} OWNER TO {{OWNER}};
REVOKE ALL ON DATABASE {{DATABASE}} FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE {{DATABASE}} TO {{APP}};
ALTER SCHEMA public OWNER TO {{OWNER}};
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM {{APP}};
GRANT USAGE ON SCHEMA public TO {{APP}};

-- Objects created before this script ran (e.g. migrations applied by an admin) move to the owner.
DO $owner$
DECLARE
  item record;
BEGIN
  FOR item IN
    SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND NOT pg_has_role({{OWNER_NAME}}, c.relowner, 'USAGE')
  LOOP
    EXECUTE format(
      'ALTER %s public.%I OWNER TO %I',
      CASE item.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
        WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
      item.relname, {{OWNER_NAME}});
  END LOOP;
  FOR item IN
    SELECT t.typname AS relname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = 'public' AND t.typtype = 'e' AND NOT pg_has_role({{OWNER_NAME}}, t.typowner, 'USAGE')
  LOOP
    EXECUTE format('ALTER TYPE public.%I OWNER TO %I', item.relname, {{OWNER_NAME}});
  END LOOP;
  FOR item IN
    SELECT p.oid::regprocedure::text AS relname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public' AND NOT pg_has_role({{OWNER_NAME}}, p.proowner, 'USAGE')
  LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO %I', item.relname, {{OWNER_NAME}});
  END LOOP;
  IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'drizzle') THEN
    EXECUTE format('ALTER SCHEMA drizzle OWNER TO %I', {{OWNER_NAME}});
    FOR item IN
      SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'drizzle' AND c.relkind IN ('r', 'S')
    LOOP
      EXECUTE format('ALTER %s drizzle.%I OWNER TO %I', CASE item.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
        item.relname, {{OWNER_NAME}});
    END LOOP;
  END IF;
END
$owner$;

-- What the application may do: read and write rows, nothing else (no TRUNCATE, REFERENCES, TRIGGER).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {{APP}};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {{APP}};
REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {{APP}};
ALTER DEFAULT PRIVILEGES FOR ROLE {{OWNER}} IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {{APP}};
ALTER DEFAULT PRIVILEGES FOR ROLE {{OWNER}} IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO {{APP}};

-- ANALYZE as the owner through one SECURITY DEFINER function (drizzle/*_maintenance-analyze-function.sql).
DO $maintenance$
BEGIN
  IF to_regprocedure('public.maintenance_analyze(text)') IS NOT NULL THEN
    EXECUTE format('GRANT EXECUTE ON FUNCTION public.maintenance_analyze(text) TO %I', {{APP_NAME}});
  END IF;
END
$maintenance$;

-- Append-only history: rows are added (and removed by retention or a cascade), never rewritten.
DO $append_only$
DECLARE
  name text;
BEGIN
  FOREACH name IN ARRAY ARRAY['analytics_events', 'property_status_history', 'property_price_history'] LOOP
    IF to_regclass('public.' || quote_ident(name)) IS NOT NULL THEN
      EXECUTE format('REVOKE UPDATE ON public.%I FROM %I', name, {{APP_NAME}});
    END IF;
  END LOOP;
  -- The partitions of analytics_events are reached through it only (the grant above reached them).
  FOR name IN
    SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = to_regclass('public.analytics_events')
  LOOP
    EXECUTE format('REVOKE ALL ON public.%I FROM %I', name, {{APP_NAME}});
  END LOOP;
END
$append_only$;

-- The audit trail is written, never rewritten nor removed by the app: retention deletes old
-- entries only through purge_audit_log() (SECURITY DEFINER, see its migration), and a trigger
-- refuses UPDATE and DELETE to every role besides.
DO $audit$
BEGIN
  IF to_regclass('public.audit_log') IS NOT NULL THEN
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON public.audit_log FROM %I', {{APP_NAME}});
  END IF;
  IF to_regprocedure('public.purge_audit_log(integer, integer)') IS NOT NULL THEN
    EXECUTE 'REVOKE ALL ON FUNCTION public.purge_audit_log(integer, integer) FROM PUBLIC';
    EXECUTE format('GRANT EXECUTE ON FUNCTION public.purge_audit_log(integer, integer) TO %I', {{APP_NAME}});
  END IF;
END
$audit$;

-- The seed's logging settings: no statement text in the logs (it can carry personal data),
-- but every statement slower than a second. Setting log_statement needs a superuser (or
-- GRANT SET on PostgreSQL 15+); where the role may not, say so and go on.
DO $logging$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET log_statement = %L', {{DATABASE_NAME}}, 'none');
  EXECUTE format('ALTER DATABASE %I SET log_min_duration_statement = %L', {{DATABASE_NAME}}, '1000');
EXCEPTION WHEN insufficient_privilege THEN
  RAISE WARNING 'log settings not applied: % (set them in the Neon console or as a superuser)', SQLERRM;
END
$logging$;

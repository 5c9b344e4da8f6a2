-- ANALYZE needs the table's owner, and the Worker connects as the least-privilege app role.
-- This function runs as its owner (the migrating role, which owns every table) and does only
-- that: ANALYZE one table of schema public, named by the caller. The search_path is fixed so
-- that the caller cannot put objects of its own in front of the catalog's; the name is quoted
-- and resolved in public only. EXECUTE is revoked from PUBLIC here and granted to the app
-- role by scripts/db/roles.sql. One table per call keeps each call within the app role's
-- statement_timeout. Returns false when the table does not exist or the owner does not own it.
CREATE OR REPLACE FUNCTION public.maintenance_analyze(target text) RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rel oid := to_regclass(format('public.%I', target));
BEGIN
  IF rel IS NULL OR NOT EXISTS (
    SELECT 1 FROM pg_class c
    WHERE c.oid = rel AND c.relkind IN ('r', 'p', 'm') AND pg_has_role(current_user, c.relowner, 'USAGE')
  ) THEN
    RETURN false;
  END IF;
  EXECUTE format('ANALYZE public.%I', target);
  RETURN true;
END
$$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION public.maintenance_analyze(text) FROM PUBLIC;

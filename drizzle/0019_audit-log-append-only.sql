-- audit_log is append-only. The app role has no UPDATE or DELETE on it (scripts/db/roles.sql);
-- these triggers refuse both to every role, the owner included, so rewriting the trail takes a
-- deliberate DROP TRIGGER. The one exception is retention: purge_audit_log() (SECURITY DEFINER,
-- so the app role needs no DELETE privilege) announces its cutoff in a transaction-local setting
-- and the trigger lets through deletes of rows older than that cutoff only. The function itself
-- refuses to keep less than 30 days, so no caller can empty the recent trail through it.
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  cutoff timestamptz := nullif(current_setting('audit_log.purge_before', true), '')::timestamptz;
BEGIN
  IF TG_OP = 'DELETE' AND cutoff IS NOT NULL AND OLD.at < cutoff THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE FUNCTION audit_log_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: TRUNCATE refused' USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_truncate();
--> statement-breakpoint
-- Deletes at most batch_size entries older than keep_days; returns how many it deleted.
CREATE FUNCTION purge_audit_log(keep_days integer, batch_size integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  cutoff timestamptz;
  deleted integer;
BEGIN
  IF keep_days IS NULL OR keep_days < 30 THEN
    RAISE EXCEPTION 'audit entries are kept at least 30 days (asked: %)', keep_days USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF batch_size IS NULL OR batch_size < 1 OR batch_size > 50000 THEN
    RAISE EXCEPTION 'batch_size must be between 1 and 50000' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  cutoff := now() - make_interval(days => keep_days);
  PERFORM set_config('audit_log.purge_before', cutoff::text, true);
  DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < cutoff LIMIT batch_size);
  GET DIAGNOSTICS deleted = ROW_COUNT;
  PERFORM set_config('audit_log.purge_before', '', true);
  RETURN deleted;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION purge_audit_log(integer, integer) FROM PUBLIC;

-- Custom migration: analytics_events becomes a table partitioned by month of created_at (UTC),
-- so that retention drops whole months and date-bounded reads scan only their months.
-- Every row is copied; the daily-views rollup trigger is re-created after the copy so the
-- copied views are not counted twice.

-- Creates the monthly partitions from the month of from_time through months_ahead months
-- after the current one, skipping those that exist; returns the names it created. SECURITY
-- DEFINER: the nightly job runs as the app role, which may not create tables. A new
-- partition grants nothing to anyone: rows are reached through analytics_events only.
CREATE FUNCTION analytics_events_create_partitions(from_time timestamptz, months_ahead integer)
RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp
SET "TimeZone" = 'UTC'
AS $$
DECLARE
  month timestamp := date_trunc('month', from_time);
  last timestamp := date_trunc('month', now()) + make_interval(months => months_ahead);
  part text;
  lo text;
  hi text;
  grantee regrole;
BEGIN
  IF months_ahead NOT BETWEEN 0 AND 24 THEN
    RAISE EXCEPTION 'months_ahead must be between 0 and 24, not %', months_ahead;
  END IF;
  IF month < last - interval '10 years' THEN
    RAISE EXCEPTION 'refusing to create more than 10 years of partitions';
  END IF;
  WHILE month <= last LOOP
    part := 'analytics_events_' || to_char(month, 'YYYY_MM');
    IF to_regclass('public.' || part) IS NULL THEN
      lo := month::text || '+00';
      hi := (month + interval '1 month')::text || '+00';
      -- Built beside the table and attached, taking along the rows of its month that the
      -- default partition holds (attaching over them would fail). Rows moved between
      -- partitions are not new events: the rollup trigger on analytics_events does not fire.
      EXECUTE format('CREATE TABLE public.%I (LIKE public.analytics_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
      EXECUTE format('WITH moved AS (DELETE FROM public.analytics_events_default WHERE created_at >= %L AND created_at < %L RETURNING *)
        INSERT INTO public.%I SELECT * FROM moved', lo, hi, part);
      EXECUTE format('ALTER TABLE public.analytics_events ATTACH PARTITION public.%I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
      FOR grantee IN
        SELECT DISTINCT a.grantee::regrole FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.oid = ('public.' || part)::regclass AND a.grantee <> c.relowner AND a.grantee <> 0
      LOOP
        EXECUTE format('REVOKE ALL ON public.%I FROM %s', part, grantee);
      END LOOP;
      RETURN NEXT part;
    END IF;
    month := month + interval '1 month';
  END LOOP;
END;
$$;
--> statement-breakpoint
-- Drops the monthly partitions whose every row is older than keep_days; returns their names.
CREATE FUNCTION analytics_events_drop_partitions(keep_days integer)
RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp
SET "TimeZone" = 'UTC'
AS $$
DECLARE
  part text;
BEGIN
  IF keep_days < 1 THEN
    RAISE EXCEPTION 'keep_days must be at least 1, not %', keep_days;
  END IF;
  FOR part IN
    SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'public.analytics_events'::regclass AND c.relname ~ '^analytics_events_[0-9]{4}_[0-9]{2}$'
      AND to_timestamp(substr(c.relname, 18), 'YYYY_MM') + interval '1 month'
        <= now() - make_interval(days => keep_days)
    ORDER BY c.relname
  LOOP
    EXECUTE format('DROP TABLE public.%I', part);
    RETURN NEXT part;
  END LOOP;
END;
$$;
--> statement-breakpoint
ALTER TABLE analytics_events RENAME TO analytics_events_unpartitioned;
--> statement-breakpoint
ALTER INDEX analytics_events_id_created_at_pk RENAME TO analytics_events_unpartitioned_pk;
--> statement-breakpoint
ALTER INDEX analytics_events_created_at_idx RENAME TO analytics_events_unpartitioned_created_at_idx;
--> statement-breakpoint
ALTER INDEX analytics_events_type_created_idx RENAME TO analytics_events_unpartitioned_type_created_idx;
--> statement-breakpoint
ALTER INDEX analytics_events_property_views_idx RENAME TO analytics_events_unpartitioned_property_views_idx;
--> statement-breakpoint
CREATE TABLE analytics_events (
  id uuid NOT NULL,
  type text NOT NULL,
  property_id uuid,
  user_id uuid,
  ip_address text,
  metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT analytics_events_id_created_at_pk PRIMARY KEY (id, created_at),
  CONSTRAINT analytics_events_type_format CHECK (type ~ '^[a-z][a-z_]{1,47}$'),
  CONSTRAINT analytics_events_metadata_size CHECK (pg_column_size(metadata) <= 4096)
) PARTITION BY RANGE (created_at);
--> statement-breakpoint
ALTER TABLE analytics_events ADD CONSTRAINT analytics_events_property_id_properties_id_fk
  FOREIGN KEY (property_id) REFERENCES public.properties(id) ON DELETE SET NULL;
--> statement-breakpoint
ALTER TABLE analytics_events ADD CONSTRAINT analytics_events_user_id_users_id_fk
  FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE SET NULL;
--> statement-breakpoint
CREATE INDEX analytics_events_created_at_idx ON analytics_events USING btree (created_at);
--> statement-breakpoint
CREATE INDEX analytics_events_type_created_idx ON analytics_events USING btree (type, created_at);
--> statement-breakpoint
CREATE INDEX analytics_events_property_views_idx ON analytics_events USING btree (property_id, created_at)
  WHERE type = 'property_view';
--> statement-breakpoint
-- Rows no monthly partition takes (a month the nightly job has not created yet, or one before
-- the first): kept, not refused; retention deletes its expired rows one by one.
CREATE TABLE analytics_events_default PARTITION OF analytics_events DEFAULT;
--> statement-breakpoint
SELECT count(*) FROM analytics_events_create_partitions(
  coalesce((SELECT min(created_at) FROM analytics_events_unpartitioned), now()), 2);
--> statement-breakpoint
INSERT INTO analytics_events (id, type, property_id, user_id, ip_address, metadata, created_at)
SELECT id, type, property_id, user_id, ip_address, metadata, created_at FROM analytics_events_unpartitioned;
--> statement-breakpoint
DROP TABLE analytics_events_unpartitioned;
--> statement-breakpoint
CREATE TRIGGER analytics_events_daily_views AFTER INSERT ON analytics_events
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_daily_views_rollup();

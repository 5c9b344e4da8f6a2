-- Custom migration: keeps analytics_daily_views in step with analytics_events.
-- One statement-level trigger per INSERT statement (not per row): a batch of 50 events costs
-- one grouped upsert. Rows are upserted in key order so that concurrent inserts lock the
-- rollup rows in the same order and cannot deadlock.
CREATE OR REPLACE FUNCTION analytics_daily_views_rollup() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_daily_views (day, property_id, views)
  SELECT (created_at AT TIME ZONE 'UTC')::date, property_id, count(*)
  FROM new_events
  WHERE type = 'property_view' AND property_id IS NOT NULL
  GROUP BY 1, 2
  ORDER BY 1, 2
  ON CONFLICT (day, property_id) DO UPDATE SET views = analytics_daily_views.views + EXCLUDED.views;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER analytics_events_daily_views AFTER INSERT ON analytics_events
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_daily_views_rollup();
--> statement-breakpoint
-- Events stored before this migration; the trigger above (same transaction) covers the rest.
INSERT INTO analytics_daily_views (day, property_id, views)
SELECT (created_at AT TIME ZONE 'UTC')::date, property_id, count(*)
FROM analytics_events
WHERE type = 'property_view' AND property_id IS NOT NULL
GROUP BY 1, 2
ON CONFLICT (day, property_id) DO UPDATE SET views = EXCLUDED.views;

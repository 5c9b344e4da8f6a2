-- Custom migration: keeps listing_facet_counts in step with properties.

-- The price band of a price, in minor units. The bounds must match PRICE_BANDS in
-- src/services/listings/facets.ts (tests/worker/properties-facets.test.ts pins them).
-- A single-expression SQL function: the planner inlines it.
CREATE OR REPLACE FUNCTION listing_price_band(price bigint) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (CASE
    WHEN price < 100000 THEN 0
    WHEN price < 250000 THEN 1
    WHEN price < 500000 THEN 2
    WHEN price < 10000000 THEN 3
    WHEN price < 25000000 THEN 4
    WHEN price < 50000000 THEN 5
    WHEN price < 100000000 THEN 6
    ELSE 7 END)::smallint
$$;
--> statement-breakpoint
-- One statement-level trigger per INSERT, UPDATE and DELETE statement. A listing counts in its
-- group while it is public (active or pending); an UPDATE that leaves a listing's status, type,
-- city and price as they were cancels out (EXCEPT ALL) and writes nothing. Groups are upserted
-- in key order so that concurrent writers lock them in the same order and cannot deadlock.
-- Transition tables exist only for the events that have them, hence the query text per event.
-- The search_path is fixed so that sessions with another one (pg_dump's is empty) still work.
CREATE OR REPLACE FUNCTION listing_facet_counts_sync() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $$
DECLARE
  nothing CONSTANT text := 'SELECT NULL::uuid, NULL::property_type, NULL::listing_type, NULL::text, NULL::bigint WHERE false';
  entered text := nothing;
  left_ text := nothing;
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    entered := 'SELECT id, property_type, listing_type, city, price FROM new_rows WHERE status IN (''active'', ''pending'')';
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    left_ := 'SELECT id, property_type, listing_type, city, price FROM old_rows WHERE status IN (''active'', ''pending'')';
  END IF;
  EXECUTE format($sql$
    WITH changes AS (
      SELECT property_type, listing_type, city, price, 1 AS change FROM (%1$s EXCEPT ALL %2$s) added (id, property_type, listing_type, city, price)
      UNION ALL
      SELECT property_type, listing_type, city, price, -1 FROM (%2$s EXCEPT ALL %1$s) removed (id, property_type, listing_type, city, price)
    )
    INSERT INTO listing_facet_counts AS c (property_type, listing_type, city, price_band, listings, min_price, max_price)
    SELECT property_type, listing_type, city, listing_price_band(price), sum(change),
      min(price) FILTER (WHERE change > 0), max(price) FILTER (WHERE change > 0)
    FROM changes
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT ON CONSTRAINT listing_facet_counts_pk DO UPDATE SET
      listings = c.listings + EXCLUDED.listings,
      min_price = CASE WHEN c.listings + EXCLUDED.listings > 0 THEN least(c.min_price, EXCLUDED.min_price) END,
      max_price = CASE WHEN c.listings + EXCLUDED.listings > 0 THEN greatest(c.max_price, EXCLUDED.max_price) END
  $sql$, entered, left_);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER properties_facet_counts_insert AFTER INSERT ON properties
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION listing_facet_counts_sync();
--> statement-breakpoint
CREATE TRIGGER properties_facet_counts_update AFTER UPDATE ON properties
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION listing_facet_counts_sync();
--> statement-breakpoint
CREATE TRIGGER properties_facet_counts_delete AFTER DELETE ON properties
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION listing_facet_counts_sync();
--> statement-breakpoint
-- Recounts every group exactly (tight price bounds too), holding off writers meanwhile. For
-- loads that bypass triggers (the benchmark's) and for this migration's backfill.
CREATE OR REPLACE FUNCTION listing_facet_counts_rebuild() RETURNS void
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
  LOCK TABLE properties IN SHARE MODE;
  DELETE FROM listing_facet_counts;
  INSERT INTO listing_facet_counts (property_type, listing_type, city, price_band, listings, min_price, max_price)
  SELECT property_type, listing_type, city, listing_price_band(price), count(*), min(price), max(price)
  FROM properties
  WHERE status IN ('active', 'pending')
  GROUP BY 1, 2, 3, 4;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION listing_facet_counts_clear() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
  DELETE FROM listing_facet_counts;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER properties_facet_counts_truncate AFTER TRUNCATE ON properties
  FOR EACH STATEMENT EXECUTE FUNCTION listing_facet_counts_clear();
--> statement-breakpoint
-- Listings stored before this migration; the triggers above (same transaction) cover the rest.
SELECT listing_facet_counts_rebuild();

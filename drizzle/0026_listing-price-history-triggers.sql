-- Custom migration: every price a listing has had, written in the statement that sets it.

-- Row-level triggers, so that no writer (the API, the seed, an import, a psql session) can change
-- a price without its history: AFTER INSERT records the list price at the listing's created_at,
-- AFTER UPDATE OF price records a change (the WHEN clause skips an UPDATE that names the column
-- but keeps its value). BEFORE UPDATE OF price keeps the old price in previous_price, which
-- summaries read without a join. The search_path is fixed so that sessions with another one
-- (pg_dump's is empty) still work.
CREATE OR REPLACE FUNCTION property_price_remember_previous() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
  NEW.previous_price := OLD.price;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER properties_price_previous BEFORE UPDATE OF price ON properties
  FOR EACH ROW WHEN (OLD.price IS DISTINCT FROM NEW.price)
  EXECUTE FUNCTION property_price_remember_previous();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION property_price_history_record() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
  INSERT INTO property_price_history (property_id, price, changed_at)
  VALUES (NEW.id, NEW.price, CASE WHEN TG_OP = 'INSERT' THEN NEW.created_at ELSE now() END);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER properties_price_history_insert AFTER INSERT ON properties
  FOR EACH ROW EXECUTE FUNCTION property_price_history_record();
--> statement-breakpoint
CREATE TRIGGER properties_price_history_update AFTER UPDATE OF price ON properties
  FOR EACH ROW WHEN (OLD.price IS DISTINCT FROM NEW.price)
  EXECUTE FUNCTION property_price_history_record();
--> statement-breakpoint
-- The first entry (the current price at created_at) of every listing that has none: for
-- listings stored before this migration, and for loads that bypass triggers (the benchmark's).
CREATE OR REPLACE FUNCTION property_price_history_backfill() RETURNS bigint
LANGUAGE sql SET search_path = public AS $$
  WITH added AS (
    INSERT INTO property_price_history (property_id, price, changed_at)
    SELECT p.id, p.price, p.created_at FROM properties p
    WHERE NOT EXISTS (SELECT 1 FROM property_price_history h WHERE h.property_id = p.id)
    ORDER BY p.created_at, p.id
    RETURNING 1
  )
  SELECT count(*) FROM added
$$;
--> statement-breakpoint
SELECT property_price_history_backfill();

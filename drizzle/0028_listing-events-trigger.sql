-- Custom migration: listing events for saved-search alerts, written in the statement of the change.
-- Independent of any other trigger on properties (price history keeps its own).
CREATE OR REPLACE FUNCTION record_listing_event() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    -- An import of a listing that is already public is new to every saved search.
    INSERT INTO listing_events (property_id, kind, price) VALUES (NEW.id, 'new_listing', NEW.price);
  ELSIF OLD.status = 'draft' THEN
    INSERT INTO listing_events (property_id, kind, price) VALUES (NEW.id, 'new_listing', NEW.price);
  ELSIF OLD.status IN ('pending', 'off_market') THEN
    INSERT INTO listing_events (property_id, kind, price) VALUES (NEW.id, 'back_on_market', NEW.price);
  ELSIF OLD.status = 'active' AND NEW.price < OLD.price THEN
    INSERT INTO listing_events (property_id, kind, price, previous_price)
    VALUES (NEW.id, 'price_drop', NEW.price, OLD.price);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER properties_listing_events_insert AFTER INSERT ON properties
  FOR EACH ROW WHEN (NEW.status = 'active') EXECUTE FUNCTION record_listing_event();
--> statement-breakpoint
-- Only changes that can alert reach the function: the listing is active after the change and
-- either its status changed or its price went down.
CREATE TRIGGER properties_listing_events_update AFTER UPDATE OF status, price ON properties
  FOR EACH ROW WHEN (NEW.status = 'active' AND (OLD.status IS DISTINCT FROM NEW.status OR NEW.price < OLD.price))
  EXECUTE FUNCTION record_listing_event();

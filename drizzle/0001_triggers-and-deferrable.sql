-- Custom migration: what drizzle-kit cannot express.

-- The seed's update_updated_at_column(), applied to every table with an updated_at column.
CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
--> statement-breakpoint
CREATE TRIGGER properties_set_updated_at BEFORE UPDATE ON properties
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
--> statement-breakpoint
CREATE TRIGGER property_images_set_updated_at BEFORE UPDATE ON property_images
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
--> statement-breakpoint
CREATE TRIGGER inquiries_set_updated_at BEFORE UPDATE ON inquiries
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
--> statement-breakpoint
CREATE TRIGGER notification_queue_set_updated_at BEFORE UPDATE ON notification_queue
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
--> statement-breakpoint
-- Deferrable so that one UPDATE can permute sort orders (a non-deferrable unique
-- constraint is checked row by row and would reject the swap half-way).
ALTER TABLE property_images
  ADD CONSTRAINT property_images_sort_order_key UNIQUE (property_id, sort_order)
  DEFERRABLE INITIALLY IMMEDIATE;

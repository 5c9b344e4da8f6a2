-- A deleted listing's inquiries keep its id and title: the foreign key then sets property_id
-- to null, and an agency still needs to know what each inquiry was about. A trigger, so that
-- every delete (the API, a console, a restore script) keeps them, in the same transaction.
CREATE OR REPLACE FUNCTION inquiries_keep_deleted_listing() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
  UPDATE inquiries
     SET deleted_property_id = OLD.id, deleted_property_title = OLD.title
   WHERE property_id = OLD.id;
  RETURN OLD;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER properties_keep_inquiry_listing BEFORE DELETE ON properties
  FOR EACH ROW EXECUTE FUNCTION inquiries_keep_deleted_listing();

-- Existing id-shaped slugs get the prefix slugify() now gives them, so the check can hold.
UPDATE "properties" SET "slug" = 'listing-' || "slug" WHERE "slug" ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';--> statement-breakpoint
ALTER TABLE "properties" ADD CONSTRAINT "properties_slug_not_an_id" CHECK ("properties"."slug" !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$');

ALTER TABLE "property_images" ADD COLUMN "has_alpha" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "property_images" ADD COLUMN "object_missing_at" timestamp with time zone;--> statement-breakpoint
-- Photos stored before this column: any non-JPEG may be transparent, so its fallback stays a PNG.
UPDATE "property_images" SET "has_alpha" = true WHERE "content_type" <> 'image/jpeg';

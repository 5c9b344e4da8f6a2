ALTER TABLE "property_status_history" DROP CONSTRAINT "property_status_history_property_id_properties_id_fk";
--> statement-breakpoint
ALTER TABLE "inquiries" ADD COLUMN "deleted_property_id" uuid;--> statement-breakpoint
ALTER TABLE "inquiries" ADD COLUMN "deleted_property_title" text;
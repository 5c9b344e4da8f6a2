CREATE TYPE "public"."alert_frequency" AS ENUM('instant', 'daily', 'weekly', 'off');--> statement-breakpoint
CREATE TYPE "public"."listing_alert_kind" AS ENUM('new_listing', 'price_drop', 'back_on_market');--> statement-breakpoint
CREATE TABLE "saved_searches" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"query" jsonb NOT NULL,
	"q" text,
	"city" text,
	"property_type" "property_type",
	"listing_type" "listing_type",
	"min_price" bigint,
	"max_price" bigint,
	"min_bedrooms" smallint,
	"min_bathrooms" numeric(5, 2),
	"min_area" integer,
	"max_area" integer,
	"bbox_min_lng" double precision,
	"bbox_min_lat" double precision,
	"bbox_max_lng" double precision,
	"bbox_max_lat" double precision,
	"near_lat" double precision,
	"near_lng" double precision,
	"radius_km" double precision,
	"alerts" "listing_alert_kind"[] NOT NULL,
	"frequency" "alert_frequency" DEFAULT 'instant' NOT NULL,
	"last_alerted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "saved_searches_name_length" CHECK (length("saved_searches"."name") between 1 and 100),
	CONSTRAINT "saved_searches_alerts_not_empty" CHECK (cardinality("saved_searches"."alerts") between 1 and 3),
	CONSTRAINT "saved_searches_bbox_whole" CHECK (num_nulls("saved_searches"."bbox_min_lng", "saved_searches"."bbox_min_lat", "saved_searches"."bbox_max_lng", "saved_searches"."bbox_max_lat") in (0, 4)),
	CONSTRAINT "saved_searches_near_whole" CHECK (("saved_searches"."near_lat" is null) = ("saved_searches"."near_lng" is null)),
	CONSTRAINT "saved_searches_radius_needs_near" CHECK ("saved_searches"."radius_km" is null or "saved_searches"."near_lat" is not null)
);
--> statement-breakpoint
ALTER TABLE "saved_searches" ADD CONSTRAINT "saved_searches_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "saved_searches_user_idx" ON "saved_searches" USING btree ("user_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "saved_searches_alerting_idx" ON "saved_searches" USING btree ("property_type","listing_type","min_price","max_price") WHERE "saved_searches"."frequency" <> 'off';--> statement-breakpoint
CREATE TRIGGER saved_searches_set_updated_at BEFORE UPDATE ON saved_searches
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
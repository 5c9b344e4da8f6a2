CREATE TABLE "alert_digests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"frequency" "alert_frequency" NOT NULL,
	"period_start" date NOT NULL,
	"notification_id" uuid NOT NULL,
	"listings" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alert_digests_frequency" CHECK ("alert_digests"."frequency" in ('daily', 'weekly')),
	CONSTRAINT "alert_digests_listings" CHECK ("alert_digests"."listings" >= 1)
);
--> statement-breakpoint
CREATE TABLE "listing_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"property_id" uuid NOT NULL,
	"kind" "listing_alert_kind" NOT NULL,
	"price" bigint NOT NULL,
	"previous_price" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"matched_at" timestamp with time zone,
	CONSTRAINT "listing_events_previous_price" CHECK (("listing_events"."kind" = 'price_drop') = ("listing_events"."previous_price" is not null))
);
--> statement-breakpoint
CREATE TABLE "saved_search_matches" (
	"saved_search_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"property_id" uuid NOT NULL,
	"kind" "listing_alert_kind" NOT NULL,
	"notification_id" uuid,
	"digest_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "saved_search_matches_pk" PRIMARY KEY("saved_search_id","event_id")
);
--> statement-breakpoint
ALTER TABLE "saved_searches" ADD COLUMN "q_query" "tsquery" GENERATED ALWAYS AS (websearch_to_tsquery('english', q)) STORED;--> statement-breakpoint
ALTER TABLE "alert_digests" ADD CONSTRAINT "alert_digests_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "listing_events" ADD CONSTRAINT "listing_events_property_id_properties_id_fk" FOREIGN KEY ("property_id") REFERENCES "public"."properties"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "saved_search_matches" ADD CONSTRAINT "saved_search_matches_saved_search_id_saved_searches_id_fk" FOREIGN KEY ("saved_search_id") REFERENCES "public"."saved_searches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "saved_search_matches" ADD CONSTRAINT "saved_search_matches_event_id_listing_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."listing_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "saved_search_matches" ADD CONSTRAINT "saved_search_matches_digest_id_alert_digests_id_fk" FOREIGN KEY ("digest_id") REFERENCES "public"."alert_digests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "alert_digests_user_period_key" ON "alert_digests" USING btree ("user_id","frequency","period_start");--> statement-breakpoint
CREATE INDEX "listing_events_unmatched_idx" ON "listing_events" USING btree ("created_at","id") WHERE "listing_events"."matched_at" is null;--> statement-breakpoint
CREATE INDEX "listing_events_property_idx" ON "listing_events" USING btree ("property_id");--> statement-breakpoint
CREATE INDEX "saved_search_matches_event_idx" ON "saved_search_matches" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "saved_search_matches_undigested_idx" ON "saved_search_matches" USING btree ("user_id") WHERE "saved_search_matches"."digest_id" is null and "saved_search_matches"."notification_id" is null;--> statement-breakpoint
CREATE INDEX "saved_search_matches_digest_idx" ON "saved_search_matches" USING btree ("digest_id");--> statement-breakpoint
CREATE INDEX "saved_searches_alerting_city_idx" ON "saved_searches" USING btree ("city") WHERE "saved_searches"."frequency" <> 'off' and "saved_searches"."city" is not null;--> statement-breakpoint
CREATE INDEX "saved_searches_alerting_near_idx" ON "saved_searches" USING btree ("near_lat") WHERE "saved_searches"."frequency" <> 'off' and "saved_searches"."near_lat" is not null and coalesce(radius_km, 25) <= 25;--> statement-breakpoint
CREATE INDEX "saved_searches_alerting_far_idx" ON "saved_searches" USING btree ("near_lat") WHERE "saved_searches"."frequency" <> 'off' and "saved_searches"."near_lat" is not null and radius_km > 25;--> statement-breakpoint
CREATE INDEX "saved_searches_alerting_bbox_idx" ON "saved_searches" USING btree ("bbox_min_lat","bbox_max_lat") WHERE "saved_searches"."frequency" <> 'off' and "saved_searches"."bbox_min_lat" is not null;--> statement-breakpoint
CREATE INDEX "saved_searches_alerting_anywhere_idx" ON "saved_searches" USING btree ("created_at") WHERE "saved_searches"."frequency" <> 'off' and "saved_searches"."city" is null and "saved_searches"."near_lat" is null and "saved_searches"."bbox_min_lat" is null;--> statement-breakpoint
ALTER TABLE "saved_searches" ADD CONSTRAINT "saved_searches_radius_range" CHECK ("saved_searches"."radius_km" is null or "saved_searches"."radius_km" <= 500);
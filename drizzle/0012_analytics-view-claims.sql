CREATE TABLE "analytics_view_claims" (
	"property_id" uuid NOT NULL,
	"viewer" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	CONSTRAINT "analytics_view_claims_property_id_viewer_window_start_pk" PRIMARY KEY("property_id","viewer","window_start"),
	CONSTRAINT "analytics_view_claims_viewer" CHECK ("analytics_view_claims"."viewer" ~ '^[0-9a-f]{32}$')
);
--> statement-breakpoint
CREATE INDEX "analytics_view_claims_window_idx" ON "analytics_view_claims" USING btree ("window_start");
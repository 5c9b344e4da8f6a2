CREATE TABLE "analytics_daily_views" (
	"day" date NOT NULL,
	"property_id" uuid NOT NULL,
	"views" bigint NOT NULL,
	CONSTRAINT "analytics_daily_views_day_property_id_pk" PRIMARY KEY("day","property_id"),
	CONSTRAINT "analytics_daily_views_positive" CHECK ("analytics_daily_views"."views" > 0)
);
--> statement-breakpoint
DROP INDEX "analytics_events_views_window_idx";--> statement-breakpoint
ALTER TABLE "analytics_daily_views" ADD CONSTRAINT "analytics_daily_views_property_id_properties_id_fk" FOREIGN KEY ("property_id") REFERENCES "public"."properties"("id") ON DELETE cascade ON UPDATE no action;
CREATE TABLE "listing_facet_counts" (
	"property_type" "property_type" NOT NULL,
	"listing_type" "listing_type" NOT NULL,
	"city" text NOT NULL,
	"price_band" smallint NOT NULL,
	"listings" integer NOT NULL,
	"min_price" bigint,
	"max_price" bigint,
	CONSTRAINT "listing_facet_counts_pk" PRIMARY KEY("property_type","listing_type","city","price_band")
);
--> statement-breakpoint
CREATE INDEX "properties_public_facets_idx" ON "properties" USING btree ("property_type","listing_type","city","price") WHERE "properties"."status" in ('active', 'pending');
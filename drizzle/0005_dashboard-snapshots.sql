CREATE TABLE "dashboard_snapshots" (
	"days" integer NOT NULL,
	"last_day" date NOT NULL,
	"body" jsonb NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"read_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dashboard_snapshots_days_last_day_pk" PRIMARY KEY("days","last_day"),
	CONSTRAINT "dashboard_snapshots_days" CHECK ("dashboard_snapshots"."days" between 1 and 365)
);
--> statement-breakpoint
CREATE INDEX "dashboard_snapshots_read_at_idx" ON "dashboard_snapshots" USING btree ("read_at");
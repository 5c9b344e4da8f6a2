-- The primary key of a partitioned table must include its partition key (created_at); the
-- next migration partitions the table by month.
ALTER TABLE "analytics_events" DROP CONSTRAINT "analytics_events_pkey";--> statement-breakpoint
ALTER TABLE "analytics_events" ADD CONSTRAINT "analytics_events_id_created_at_pk" PRIMARY KEY("id","created_at");

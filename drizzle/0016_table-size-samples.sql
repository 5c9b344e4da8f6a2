CREATE TABLE "table_size_samples" (
	"sampled_on" date NOT NULL,
	"relation" text NOT NULL,
	"kind" text NOT NULL,
	"table_name" text NOT NULL,
	"bytes" bigint NOT NULL,
	"estimated_rows" bigint,
	CONSTRAINT "table_size_samples_relation_sampled_on_pk" PRIMARY KEY("relation","sampled_on"),
	CONSTRAINT "table_size_samples_kind" CHECK ("table_size_samples"."kind" in ('table', 'index')),
	CONSTRAINT "table_size_samples_bytes" CHECK ("table_size_samples"."bytes" >= 0)
);
--> statement-breakpoint
CREATE INDEX "table_size_samples_sampled_on_idx" ON "table_size_samples" USING btree ("sampled_on");
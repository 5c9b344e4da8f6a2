CREATE TABLE "analytics_view_claims" (
	"property_id" uuid NOT NULL,
	"viewer" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	CONSTRAINT "analytics_view_claims_property_id_viewer_window_start_pk" PRIMARY KEY("property_id","viewer","window_start"),
	CONSTRAINT "analytics_view_claims_viewer" CHECK ("analytics_view_claims"."viewer" ~ '^[0-9a-f]{32}$')
);
--> statement-breakpoint
ALTER TABLE "inquiries" DROP CONSTRAINT "inquiries_idempotency_key_length";--> statement-breakpoint
CREATE INDEX "analytics_view_claims_window_idx" ON "analytics_view_claims" USING btree ("window_start");--> statement-breakpoint
CREATE INDEX "inquiries_idempotency_created_idx" ON "inquiries" USING btree ("created_at") WHERE "inquiries"."idempotency_key" is not null;--> statement-breakpoint
CREATE INDEX "inquiries_ip_address_idx" ON "inquiries" USING btree ("ip_address","created_at");--> statement-breakpoint
CREATE INDEX "notification_queue_ack_mailbox_idx" ON "notification_queue" USING btree (lower(regexp_replace("recipient", '\+[^@]*@', '@')),"created_at") WHERE "notification_queue"."kind" = 'inquiry_acknowledgement';--> statement-breakpoint
-- Hand-added: keys already stored become what the code now stores, SHA-256 of the key, a newline
-- and the body's hash (services/inquiries/request-hash.ts); expired ones are forgotten.
UPDATE "inquiries" SET "idempotency_key" = CASE
    WHEN "request_hash" IS NULL OR "created_at" <= now() - interval '24 hours' THEN NULL
    ELSE encode(sha256(convert_to("idempotency_key" || E'\n' || "request_hash", 'UTF8')), 'hex')
  END
WHERE "idempotency_key" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "inquiries" DROP COLUMN "request_hash";--> statement-breakpoint
ALTER TABLE "inquiries" ADD CONSTRAINT "inquiries_idempotency_key_hash" CHECK ("inquiries"."idempotency_key" ~ '^[0-9a-f]{64}$');
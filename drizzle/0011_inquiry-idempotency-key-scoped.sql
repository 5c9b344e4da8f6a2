ALTER TABLE "inquiries" DROP CONSTRAINT "inquiries_idempotency_key_length";--> statement-breakpoint
-- Hand-added: keys already stored become what the code now stores, SHA-256 of the key, a newline
-- and the body's hash (services/inquiries/request-hash.ts); expired ones are forgotten.
UPDATE "inquiries" SET "idempotency_key" = CASE
    WHEN "request_hash" IS NULL OR "created_at" <= now() - interval '24 hours' THEN NULL
    ELSE encode(sha256(convert_to("idempotency_key" || E'\n' || "request_hash", 'UTF8')), 'hex')
  END
WHERE "idempotency_key" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "inquiries_idempotency_created_idx" ON "inquiries" USING btree ("created_at") WHERE "inquiries"."idempotency_key" is not null;--> statement-breakpoint
ALTER TABLE "inquiries" DROP COLUMN "request_hash";--> statement-breakpoint
ALTER TABLE "inquiries" ADD CONSTRAINT "inquiries_idempotency_key_hash" CHECK ("inquiries"."idempotency_key" ~ '^[0-9a-f]{64}$');

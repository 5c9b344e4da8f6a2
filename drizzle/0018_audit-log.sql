CREATE TYPE "public"."audit_action" AS ENUM('listing.create', 'listing.update', 'listing.delete', 'listing.status', 'photo.upload', 'photo.reorder', 'photo.update', 'photo.delete', 'inquiry.update', 'user.create', 'user.update', 'user.role_change', 'user.unlock', 'user.sessions_end', 'session.end', 'job.run', 'auth.lockout', 'auth.refresh_reuse', 'auth.password_change');--> statement-breakpoint
CREATE TYPE "public"."audit_target_type" AS ENUM('listing', 'photo', 'inquiry', 'user', 'job');--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" uuid PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" uuid,
	"action" "audit_action" NOT NULL,
	"target_type" "audit_target_type" NOT NULL,
	"target_id" text NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"request_id" text,
	"ip_address" text,
	CONSTRAINT "audit_log_target_id_length" CHECK (length("audit_log"."target_id") between 1 and 100),
	CONSTRAINT "audit_log_request_id_length" CHECK (length("audit_log"."request_id") <= 200),
	CONSTRAINT "audit_log_ip_length" CHECK (length("audit_log"."ip_address") <= 64),
	CONSTRAINT "audit_log_changes_size" CHECK (pg_column_size("audit_log"."before") + pg_column_size("audit_log"."after") <= 65536)
);
--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "audit_log_actor_idx" ON "audit_log" USING btree ("actor_id","at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "audit_log_target_idx" ON "audit_log" USING btree ("target_type","target_id","at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "audit_log_action_idx" ON "audit_log" USING btree ("action","at" DESC NULLS LAST,"id" DESC NULLS LAST);
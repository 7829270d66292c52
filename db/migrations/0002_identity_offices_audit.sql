CREATE TYPE "public"."office_status" AS ENUM('applying', 'accredited', 'suspended', 'revoked', 'refused');--> statement-breakpoint
CREATE TYPE "public"."role" AS ENUM('applicant', 'office_clerk', 'health_specialist', 'technical_inspector', 'office_manager', 'supervisor', 'administrator', 'auditor');--> statement-breakpoint
ALTER TYPE "public"."case_event" ADD VALUE 'office_reassigned';--> statement-breakpoint
CREATE TABLE "accreditation_rounds" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"cap" integer NOT NULL,
	"opens_on" date NOT NULL,
	"closes_on" date NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"office_id" text NOT NULL,
	"name" text NOT NULL,
	"secret_hash" text NOT NULL,
	"scopes" text[] NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_by" text,
	"last_used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_kind" text NOT NULL,
	"actor_id" text NOT NULL,
	"actor_name" text,
	"roles" text[] DEFAULT '{}' NOT NULL,
	"office_id" text,
	"client" text,
	"ip" text,
	"user_agent" text,
	"request_id" text NOT NULL,
	"method" text NOT NULL,
	"route" text NOT NULL,
	"operation" text,
	"target_type" text,
	"target_id" text,
	"status_code" integer NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "office_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"office_id" text NOT NULL,
	"seq" integer NOT NULL,
	"event" text NOT NULL,
	"status" "office_status" NOT NULL,
	"actor" text DEFAULT 'system' NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "office_staff" (
	"office_id" text NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"role" "role" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "offices" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"firm_license_number" text NOT NULL,
	"cr_number" text NOT NULL,
	"status" "office_status" NOT NULL,
	"round_id" text NOT NULL,
	"data" jsonb NOT NULL,
	"deficiencies" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"waiting_on" text,
	"status_reason" text,
	"applied_at" timestamp with time zone NOT NULL,
	"accredited_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL,
	"transition_seq" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
DROP INDEX "applications_office_idx";--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_office_id_offices_id_fk" FOREIGN KEY ("office_id") REFERENCES "public"."offices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "office_events" ADD CONSTRAINT "office_events_office_id_offices_id_fk" FOREIGN KEY ("office_id") REFERENCES "public"."offices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "office_staff" ADD CONSTRAINT "office_staff_office_id_offices_id_fk" FOREIGN KEY ("office_id") REFERENCES "public"."offices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offices" ADD CONSTRAINT "offices_round_id_accreditation_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."accreditation_rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_office_idx" ON "api_keys" USING btree ("office_id");--> statement-breakpoint
CREATE INDEX "audit_log_target_idx" ON "audit_log" USING btree ("target_type","target_id","id");--> statement-breakpoint
CREATE INDEX "audit_log_actor_idx" ON "audit_log" USING btree ("actor_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "office_events_office_seq_uq" ON "office_events" USING btree ("office_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "office_staff_uq" ON "office_staff" USING btree ("office_id","user_id","role");--> statement-breakpoint
CREATE UNIQUE INDEX "offices_firm_license_uq" ON "offices" USING btree ("firm_license_number");--> statement-breakpoint
CREATE INDEX "offices_status_idx" ON "offices" USING btree ("status");--> statement-breakpoint
CREATE INDEX "offices_round_idx" ON "offices" USING btree ("round_id");--> statement-breakpoint
CREATE INDEX "applications_office_status_idx" ON "applications" USING btree ("office_id","status");--> statement-breakpoint
CREATE INDEX "applications_applicant_idx" ON "applications" USING btree ("applicant_national_id","submitted_at" DESC NULLS LAST,"id");--> statement-breakpoint
-- The audit log is append-only: not even the application's own role may rewrite history.
CREATE FUNCTION "audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
END;
$$;--> statement-breakpoint
CREATE TRIGGER "audit_log_no_update" BEFORE UPDATE OR DELETE ON "audit_log" FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"();--> statement-breakpoint
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log" FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_append_only"();

CREATE TYPE "public"."agency" AS ENUM('laborOffice', 'zakat');--> statement-breakpoint
CREATE TYPE "public"."agency_state" AS ENUM('pending', 'unavailable', 'compliant', 'non_compliant');--> statement-breakpoint
CREATE TYPE "public"."case_event" AS ENUM('submitted', 'completeness_check_started', 'correction_requested', 'correction_received', 'conditions_check_started', 'review_started', 'review_decided', 'returned_for_correction', 'agency_linkage_started', 'agency_unavailable', 'agency_checked', 'on_hold', 'issued', 'excluded', 'rejected');--> statement-breakpoint
CREATE TYPE "public"."exclusion_reason" AS ENUM('incomplete', 'conditions');--> statement-breakpoint
CREATE TYPE "public"."license_kind" AS ENUM('commercial', 'health', 'professional');--> statement-breakpoint
CREATE TYPE "public"."review_decision" AS ENUM('approve', 'reject', 'return');--> statement-breakpoint
CREATE TYPE "public"."review_kind" AS ENUM('health', 'technical');--> statement-breakpoint
CREATE TYPE "public"."reviewer_role" AS ENUM('healthSpecialist', 'technicalInspector');--> statement-breakpoint
CREATE TYPE "public"."sms_status" AS ENUM('pending', 'sending', 'sent', 'failed');--> statement-breakpoint
CREATE TYPE "public"."stage" AS ENUM('submitted', 'completeness_check', 'awaiting_correction', 'conditions_check', 'review', 'agency_linkage', 'on_hold', 'issuance', 'closed');--> statement-breakpoint
CREATE TYPE "public"."status" AS ENUM('in_progress', 'issued', 'excluded', 'rejected');--> statement-breakpoint
CREATE SEQUENCE "public"."license_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "activity_rules" (
	"isic_prefix" text PRIMARY KEY NOT NULL,
	"name_ar" text NOT NULL,
	"name_en" text NOT NULL,
	"health_review" boolean NOT NULL,
	"allowed_kinds" text[] NOT NULL,
	"extra_documents" text[] DEFAULT '{}' NOT NULL,
	"requires_worker_certificates" boolean DEFAULT false NOT NULL,
	"min_area_sqm" integer DEFAULT 0 NOT NULL,
	"max_area_sqm" integer,
	"term_months" integer
);
--> statement-breakpoint
CREATE TABLE "agency_checks" (
	"application_id" text NOT NULL,
	"agency" "agency" NOT NULL,
	"state" "agency_state" NOT NULL,
	"reference" text,
	"reasons" text[] DEFAULT '{}' NOT NULL,
	"last_error" text,
	"checked_at" timestamp with time zone NOT NULL,
	CONSTRAINT "agency_checks_application_id_agency_pk" PRIMARY KEY("application_id","agency")
);
--> statement-breakpoint
CREATE TABLE "application_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"application_id" text NOT NULL,
	"seq" integer NOT NULL,
	"event" "case_event" NOT NULL,
	"stage" "stage" NOT NULL,
	"status" "status" NOT NULL,
	"actor" text DEFAULT 'system' NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "applications" (
	"id" text PRIMARY KEY NOT NULL,
	"status" "status" DEFAULT 'in_progress' NOT NULL,
	"stage" "stage" DEFAULT 'submitted' NOT NULL,
	"exclusion_reason" "exclusion_reason",
	"waiting_on" text[] DEFAULT '{}' NOT NULL,
	"round" integer DEFAULT 1 NOT NULL,
	"license_kind" "license_kind" NOT NULL,
	"office_id" text,
	"applicant_national_id" text NOT NULL,
	"applicant_name" text NOT NULL,
	"applicant_mobile" text NOT NULL,
	"cr_number" text NOT NULL,
	"trade_name" text NOT NULL,
	"isic_code" text NOT NULL,
	"district" text NOT NULL,
	"data" jsonb NOT NULL,
	"deficiencies" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"agencies" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"health_review_required" boolean,
	"correction_due_at" timestamp with time zone,
	"hold_due_at" timestamp with time zone,
	"license_number" text,
	"transition_seq" integer DEFAULT 0 NOT NULL,
	"submitted_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"key" text PRIMARY KEY NOT NULL,
	"request_hash" text NOT NULL,
	"application_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "license_kind_rules" (
	"kind" "license_kind" PRIMARY KEY NOT NULL,
	"required_documents" text[] NOT NULL,
	"min_term_years" integer NOT NULL,
	"max_term_years" integer NOT NULL,
	"default_term_years" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "licenses" (
	"number" text PRIMARY KEY NOT NULL,
	"application_id" text NOT NULL,
	"license_kind" "license_kind" NOT NULL,
	"cr_number" text NOT NULL,
	"trade_name" text NOT NULL,
	"holder_national_id" text NOT NULL,
	"isic_code" text NOT NULL,
	"issued_on" date NOT NULL,
	"expires_on" date NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reviews" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"application_id" text NOT NULL,
	"round" integer NOT NULL,
	"kind" "review_kind" NOT NULL,
	"decision" "review_decision" NOT NULL,
	"reviewer_id" text NOT NULL,
	"reviewer_role" "reviewer_role" NOT NULL,
	"reasons" text[] DEFAULT '{}' NOT NULL,
	"comment" text,
	"deficiencies" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"decided_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sms_outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"application_id" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"event" "case_event" NOT NULL,
	"mobile" text NOT NULL,
	"body_ar" text NOT NULL,
	"body_en" text NOT NULL,
	"status" "sms_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"provider_message_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "agency_checks" ADD CONSTRAINT "agency_checks_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "application_events" ADD CONSTRAINT "application_events_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sms_outbox" ADD CONSTRAINT "sms_outbox_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "application_events_case_seq_uq" ON "application_events" USING btree ("application_id","seq");--> statement-breakpoint
CREATE INDEX "applications_status_submitted_idx" ON "applications" USING btree ("status","submitted_at" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "applications_stage_idx" ON "applications" USING btree ("stage","submitted_at" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "applications_submitted_idx" ON "applications" USING btree ("submitted_at" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "applications_cr_idx" ON "applications" USING btree ("cr_number");--> statement-breakpoint
CREATE INDEX "applications_office_idx" ON "applications" USING btree ("office_id");--> statement-breakpoint
CREATE UNIQUE INDEX "licenses_application_uq" ON "licenses" USING btree ("application_id");--> statement-breakpoint
CREATE UNIQUE INDEX "reviews_case_round_kind_uq" ON "reviews" USING btree ("application_id","round","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "sms_outbox_dedupe_uq" ON "sms_outbox" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "sms_outbox_pending_idx" ON "sms_outbox" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "sms_outbox_application_idx" ON "sms_outbox" USING btree ("application_id");
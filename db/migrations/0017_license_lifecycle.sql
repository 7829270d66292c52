CREATE TYPE "public"."license_event" AS ENUM('issued', 'imported', 'renewal_window_opened', 'renewal_reminder', 'renewal_requested', 'renewal_correction_requested', 'renewal_correction_received', 'renewal_lapsed', 'renewed', 'expired', 'grace_ended', 'suspended', 'reinstated', 'revoked', 'report_noted', 'cancellation_requested', 'cancellation_outstanding', 'cancellation_lapsed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."license_status" AS ENUM('active', 'renewal_open', 'expired', 'suspended', 'revoked', 'cancelled');--> statement-breakpoint
CREATE TABLE "license_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"license_number" text NOT NULL,
	"seq" integer NOT NULL,
	"event" "license_event" NOT NULL,
	"status" "license_status" NOT NULL,
	"actor" text DEFAULT 'system' NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "license_rules" (
	"kind" "license_kind" PRIMARY KEY NOT NULL,
	"renewal_window" text NOT NULL,
	"reminders" text[] NOT NULL,
	"grace_period" text NOT NULL,
	"objection_window" text NOT NULL,
	"renewal_correction" text NOT NULL,
	"cancellation_deadline" text NOT NULL,
	"agency_recheck" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "licenses" ALTER COLUMN "status" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "licenses" ALTER COLUMN "status" SET DATA TYPE "public"."license_status" USING "status"::"public"."license_status";--> statement-breakpoint
ALTER TABLE "licenses" ALTER COLUMN "status" SET DEFAULT 'active'::"public"."license_status";--> statement-breakpoint
ALTER TABLE "sms_outbox" ALTER COLUMN "application_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "sms_outbox" ALTER COLUMN "event" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "licenses" ADD COLUMN "office_id" text;--> statement-breakpoint
ALTER TABLE "licenses" ADD COLUMN "holder_name" text;--> statement-breakpoint
ALTER TABLE "licenses" ADD COLUMN "holder_mobile" text;--> statement-breakpoint
ALTER TABLE "licenses" ADD COLUMN "status_reason" text;--> statement-breakpoint
ALTER TABLE "licenses" ADD COLUMN "suspended_by" text;--> statement-breakpoint
ALTER TABLE "licenses" ADD COLUMN "objection_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "licenses" ADD COLUMN "pending" jsonb;--> statement-breakpoint
ALTER TABLE "licenses" ADD COLUMN "renewals" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "licenses" ADD COLUMN "last_renewed_on" date;--> statement-breakpoint
ALTER TABLE "licenses" ADD COLUMN "last_renewal_late" boolean;--> statement-breakpoint
ALTER TABLE "licenses" ADD COLUMN "transition_seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "licenses" ADD COLUMN "updated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sms_outbox" ADD COLUMN "license_number" text;--> statement-breakpoint
ALTER TABLE "license_events" ADD CONSTRAINT "license_events_license_number_licenses_number_fk" FOREIGN KEY ("license_number") REFERENCES "public"."licenses"("number") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "license_events_license_seq_uq" ON "license_events" USING btree ("license_number","seq");--> statement-breakpoint
ALTER TABLE "sms_outbox" ADD CONSTRAINT "sms_outbox_license_number_licenses_number_fk" FOREIGN KEY ("license_number") REFERENCES "public"."licenses"("number") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "licenses_status_expires_idx" ON "licenses" USING btree ("status","expires_on");--> statement-breakpoint
CREATE INDEX "sms_outbox_license_idx" ON "sms_outbox" USING btree ("license_number") WHERE license_number is not null;--> statement-breakpoint
ALTER TABLE "sms_outbox" ADD CONSTRAINT "sms_outbox_about_one" CHECK ((application_id is null) <> (license_number is null));
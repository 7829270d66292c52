CREATE TYPE "public"."agency" AS ENUM('labor_office', 'zakat');--> statement-breakpoint
CREATE TYPE "public"."agency_report_kind" AS ENUM('violation', 'closure', 'resolved');--> statement-breakpoint
CREATE TABLE "agency_reports" (
	"agency" "agency" NOT NULL,
	"report_id" text NOT NULL,
	"cr_number" text NOT NULL,
	"kind" "agency_report_kind" NOT NULL,
	"reason" text NOT NULL,
	"reported_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"body_hash" text NOT NULL,
	"workflow_started_at" timestamp with time zone,
	"dispatch" jsonb,
	"dispatched_at" timestamp with time zone,
	CONSTRAINT "agency_reports_agency_report_id_pk" PRIMARY KEY("agency","report_id")
);
--> statement-breakpoint
CREATE INDEX "agency_reports_cr_idx" ON "agency_reports" USING btree ("cr_number","received_at");--> statement-breakpoint
CREATE INDEX "agency_reports_unstarted_idx" ON "agency_reports" USING btree ("received_at") WHERE workflow_started_at is null;--> statement-breakpoint
CREATE INDEX "licenses_cr_idx" ON "licenses" USING btree ("cr_number");
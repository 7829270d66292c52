CREATE TYPE "public"."violation_severity" AS ENUM('note', 'fix', 'closure');--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'objection_received' BEFORE 'report_noted';--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'objection_upheld' BEFORE 'report_noted';--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'objection_accepted' BEFORE 'report_noted';--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'inspection_due' BEFORE 'report_noted';--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'inspection_passed' BEFORE 'report_noted';--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'inspection_violations' BEFORE 'report_noted';--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'task_claimed' BEFORE 'report_noted';--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'task_released' BEFORE 'report_noted';--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'task_reassigned' BEFORE 'report_noted';--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'task_overdue' BEFORE 'report_noted';--> statement-breakpoint
ALTER TYPE "public"."role" ADD VALUE 'municipal_inspector' BEFORE 'administrator';--> statement-breakpoint
ALTER TYPE "public"."task_kind" ADD VALUE 'objection_review';--> statement-breakpoint
ALTER TYPE "public"."task_kind" ADD VALUE 'inspection';--> statement-breakpoint
CREATE TABLE "inspection_rules" (
	"risk_class" text PRIMARY KEY NOT NULL,
	"name_ar" text NOT NULL,
	"name_en" text NOT NULL,
	"interval" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "violation_codes" (
	"code" text PRIMARY KEY NOT NULL,
	"text_ar" text NOT NULL,
	"text_en" text NOT NULL,
	"severity" "violation_severity" NOT NULL,
	"fix_within" text,
	CONSTRAINT "violation_codes_fix_within" CHECK ((severity = 'fix') = (fix_within is not null))
);
--> statement-breakpoint
ALTER TABLE "activity_rules" ADD COLUMN "risk_class" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "license_number" text;--> statement-breakpoint
ALTER TABLE "activity_rules" ADD CONSTRAINT "activity_rules_risk_class_inspection_rules_risk_class_fk" FOREIGN KEY ("risk_class") REFERENCES "public"."inspection_rules"("risk_class") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_license_number_licenses_number_fk" FOREIGN KEY ("license_number") REFERENCES "public"."licenses"("number") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tasks_license_idx" ON "tasks" USING btree ("license_number") WHERE license_number is not null;
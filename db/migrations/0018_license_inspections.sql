ALTER TYPE "public"."license_event" ADD VALUE 'objection_received' BEFORE 'report_noted';--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'objection_upheld' BEFORE 'report_noted';--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'objection_accepted' BEFORE 'report_noted';--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'task_claimed' BEFORE 'report_noted';--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'task_released' BEFORE 'report_noted';--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'task_reassigned' BEFORE 'report_noted';--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'task_overdue' BEFORE 'report_noted';--> statement-breakpoint
ALTER TYPE "public"."task_kind" ADD VALUE 'objection_review';--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "license_number" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_license_number_licenses_number_fk" FOREIGN KEY ("license_number") REFERENCES "public"."licenses"("number") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tasks_license_idx" ON "tasks" USING btree ("license_number") WHERE license_number is not null;
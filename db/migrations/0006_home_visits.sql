ALTER TYPE "public"."case_event" ADD VALUE 'visit_proposed';--> statement-breakpoint
ALTER TYPE "public"."case_event" ADD VALUE 'visit_confirmed';--> statement-breakpoint
ALTER TYPE "public"."case_event" ADD VALUE 'visit_reminder';--> statement-breakpoint
ALTER TABLE "applications" ADD COLUMN "visit" jsonb;
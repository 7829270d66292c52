ALTER TYPE "public"."case_event" ADD VALUE 'cancelled';--> statement-breakpoint
ALTER TYPE "public"."status" ADD VALUE 'cancelled';
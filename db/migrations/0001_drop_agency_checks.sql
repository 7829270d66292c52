DROP TABLE "agency_checks" CASCADE;--> statement-breakpoint
DROP TYPE "public"."agency";--> statement-breakpoint
DROP TYPE "public"."agency_state";
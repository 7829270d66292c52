ALTER TYPE "public"."license_event" ADD VALUE 'renewal_review_started' BEFORE 'renewal_lapsed';--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'renewal_review_decided' BEFORE 'renewal_lapsed';--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'renewal_returned' BEFORE 'renewal_lapsed';--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'renewal_rejected' BEFORE 'renewal_lapsed';--> statement-breakpoint
ALTER TABLE "activity_rules" ADD COLUMN "renewal_reviews" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "documents" ADD COLUMN "license_number" text;--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_license_number_licenses_number_fk" FOREIGN KEY ("license_number") REFERENCES "public"."licenses"("number") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "documents_license_idx" ON "documents" USING btree ("license_number") WHERE "documents"."license_number" is not null;
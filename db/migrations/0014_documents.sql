CREATE TYPE "public"."document_state" AS ENUM('uploaded', 'attached', 'superseded', 'removed');--> statement-breakpoint
CREATE TYPE "public"."document_type" AS ENUM('storefront_photo', 'lease_or_deed', 'building_permit', 'civil_defense', 'cleaning_contract');--> statement-breakpoint
CREATE TYPE "public"."expiry_rule" AS ENUM('none', 'entered');--> statement-breakpoint
CREATE TYPE "public"."file_kind" AS ENUM('pdf', 'jpeg', 'png');--> statement-breakpoint
CREATE TYPE "public"."removal_reason" AS ENUM('orphaned', 'retention_ended');--> statement-breakpoint
CREATE TABLE "document_rules" (
	"type" "document_type" PRIMARY KEY NOT NULL,
	"accepted_kinds" "file_kind"[] NOT NULL,
	"max_bytes" integer NOT NULL,
	"expiry" "expiry_rule" NOT NULL,
	"retention" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "documents" (
	"id" text PRIMARY KEY NOT NULL,
	"type" "document_type" NOT NULL,
	"state" "document_state" DEFAULT 'uploaded' NOT NULL,
	"office_id" text,
	"owner_national_id" text,
	"uploaded_by" text NOT NULL,
	"file_kind" "file_kind" NOT NULL,
	"size_bytes" integer NOT NULL,
	"sha256" text NOT NULL,
	"name" text NOT NULL,
	"storage_key" text NOT NULL,
	"expires_on" date,
	"application_id" text,
	"idempotency_key" text,
	"uploaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"attached_at" timestamp with time zone,
	"superseded_at" timestamp with time zone,
	"removed_at" timestamp with time zone,
	"removal_reason" "removal_reason",
	CONSTRAINT "documents_storage_key_unique" UNIQUE("storage_key"),
	CONSTRAINT "documents_idempotency_key_unique" UNIQUE("idempotency_key")
);
--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_office_id_offices_id_fk" FOREIGN KEY ("office_id") REFERENCES "public"."offices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "documents_application_idx" ON "documents" USING btree ("application_id");--> statement-breakpoint
CREATE INDEX "documents_orphans_idx" ON "documents" USING btree ("uploaded_at") WHERE "documents"."state" = 'uploaded';
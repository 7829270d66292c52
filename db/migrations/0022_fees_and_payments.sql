CREATE TYPE "public"."invoice_basis" AS ENUM('issuance', 'renewal');--> statement-breakpoint
CREATE TYPE "public"."invoice_status" AS ENUM('open', 'paid', 'expired', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."mismatch_reason" AS ENUM('amount_differs', 'unknown_bill', 'invoice_closed', 'already_paid', 'missing_from_statement', 'statement_differs');--> statement-breakpoint
CREATE TYPE "public"."mismatch_status" AS ENUM('open', 'accepted', 'refunded', 'dismissed');--> statement-breakpoint
CREATE TYPE "public"."payment_source" AS ENUM('notification', 'reconciliation');--> statement-breakpoint
CREATE TYPE "public"."payment_status" AS ENUM('applied', 'held', 'refunded');--> statement-breakpoint
CREATE TYPE "public"."refund_reason" AS ENUM('not_owed', 'case_cancelled', 'mismatch');--> statement-breakpoint
ALTER TYPE "public"."case_event" ADD VALUE 'invoice_issued' BEFORE 'issued';--> statement-breakpoint
ALTER TYPE "public"."case_event" ADD VALUE 'payment_received' BEFORE 'issued';--> statement-breakpoint
ALTER TYPE "public"."exclusion_reason" ADD VALUE 'unpaid';--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'renewal_invoiced' BEFORE 'renewed';--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'renewal_paid' BEFORE 'renewed';--> statement-breakpoint
ALTER TYPE "public"."license_event" ADD VALUE 'renewal_unpaid' BEFORE 'renewed';--> statement-breakpoint
ALTER TYPE "public"."stage" ADD VALUE 'awaiting_payment' BEFORE 'issuance';--> statement-breakpoint
CREATE SEQUENCE "public"."receipt_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "fee_schedules" (
	"version" integer PRIMARY KEY NOT NULL,
	"bands" jsonb NOT NULL,
	"settings" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"reason" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invoices" (
	"id" text PRIMARY KEY NOT NULL,
	"basis" "invoice_basis" NOT NULL,
	"application_id" text,
	"license_number" text,
	"bill_number" text,
	"amount_halalas" integer NOT NULL,
	"lines" jsonb NOT NULL,
	"schedule_version" integer NOT NULL,
	"status" "invoice_status" DEFAULT 'open' NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	"payment_id" text,
	"receipt_number" text,
	"paid_at" timestamp with time zone,
	"license_kind" "license_kind" NOT NULL,
	"isic_code" text NOT NULL,
	"office_id" text,
	"payer_national_id" text NOT NULL,
	"payer_name" text NOT NULL,
	"mobile" text NOT NULL,
	"trade_name" text NOT NULL,
	CONSTRAINT "invoices_subject_ck" CHECK (("invoices"."application_id" is not null) or ("invoices"."license_number" is not null))
);
--> statement-breakpoint
CREATE TABLE "payment_mismatches" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"payment_id" text NOT NULL,
	"bill_number" text NOT NULL,
	"invoice_id" text,
	"reason" "mismatch_reason" NOT NULL,
	"expected_halalas" integer,
	"received_halalas" integer NOT NULL,
	"source" "payment_source" NOT NULL,
	"status" "mismatch_status" DEFAULT 'open' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_by" text,
	"resolved_at" timestamp with time zone,
	"resolution" text
);
--> statement-breakpoint
CREATE TABLE "payment_notifications" (
	"signature" text PRIMARY KEY NOT NULL,
	"notification_id" text NOT NULL,
	"payment_id" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"payment_id" text PRIMARY KEY NOT NULL,
	"bill_number" text NOT NULL,
	"invoice_id" text,
	"amount_halalas" integer NOT NULL,
	"paid_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"source" "payment_source" NOT NULL,
	"status" "payment_status" NOT NULL,
	"receipt_number" text
);
--> statement-breakpoint
CREATE TABLE "reconciliation_runs" (
	"day" date PRIMARY KEY NOT NULL,
	"ran_at" timestamp with time zone DEFAULT now() NOT NULL,
	"statement_count" integer NOT NULL,
	"matched" integer NOT NULL,
	"applied_late" integer NOT NULL,
	"mismatches" integer NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "refunds" (
	"id" text PRIMARY KEY NOT NULL,
	"payment_id" text NOT NULL,
	"invoice_id" text,
	"amount_halalas" integer NOT NULL,
	"reason" "refund_reason" NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"refunded_at" timestamp with time zone,
	"office_id" text,
	"license_kind" "license_kind",
	CONSTRAINT "refunds_payment_id_unique" UNIQUE("payment_id")
);
--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_bill_number_uq" ON "invoices" USING btree ("bill_number");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_receipt_number_uq" ON "invoices" USING btree ("receipt_number");--> statement-breakpoint
CREATE INDEX "invoices_application_idx" ON "invoices" USING btree ("application_id");--> statement-breakpoint
CREATE INDEX "invoices_license_idx" ON "invoices" USING btree ("license_number","created_at");--> statement-breakpoint
CREATE INDEX "invoices_open_idx" ON "invoices" USING btree ("due_at") WHERE status = 'open';--> statement-breakpoint
CREATE INDEX "invoices_paid_idx" ON "invoices" USING btree ("paid_at") WHERE status = 'paid';--> statement-breakpoint
CREATE UNIQUE INDEX "payment_mismatches_payment_reason_uq" ON "payment_mismatches" USING btree ("payment_id","reason");--> statement-breakpoint
CREATE INDEX "payment_mismatches_open_idx" ON "payment_mismatches" USING btree ("created_at") WHERE status = 'open';--> statement-breakpoint
CREATE INDEX "payments_paid_at_idx" ON "payments" USING btree ("paid_at");--> statement-breakpoint
CREATE INDEX "payments_bill_idx" ON "payments" USING btree ("bill_number");
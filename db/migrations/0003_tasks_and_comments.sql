CREATE TYPE "public"."task_kind" AS ENUM('health_review', 'technical_review', 'applicant_correction');--> statement-breakpoint
CREATE TYPE "public"."task_status" AS ENUM('open', 'claimed', 'completed', 'cancelled');--> statement-breakpoint
ALTER TYPE "public"."case_event" ADD VALUE 'task_claimed';--> statement-breakpoint
ALTER TYPE "public"."case_event" ADD VALUE 'task_released';--> statement-breakpoint
ALTER TYPE "public"."case_event" ADD VALUE 'task_reassigned';--> statement-breakpoint
CREATE TABLE "case_comments" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"application_id" text NOT NULL,
	"author_id" text NOT NULL,
	"author_name" text,
	"author_roles" text[] DEFAULT '{}' NOT NULL,
	"body" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" text PRIMARY KEY NOT NULL,
	"application_id" text NOT NULL,
	"kind" "task_kind" NOT NULL,
	"required_role" "role" NOT NULL,
	"office_id" text,
	"status" "task_status" DEFAULT 'open' NOT NULL,
	"assignee" text,
	"priority" integer DEFAULT 0 NOT NULL,
	"round" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"claimed_at" timestamp with time zone,
	"decided_at" timestamp with time zone,
	"decision" text,
	"reasons" text[] DEFAULT '{}' NOT NULL,
	"comment" text,
	"license_kind" "license_kind" NOT NULL,
	"trade_name" text NOT NULL,
	"cr_number" text NOT NULL,
	"seq" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "case_comments" ADD CONSTRAINT "case_comments_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "case_comments_application_idx" ON "case_comments" USING btree ("application_id","id");--> statement-breakpoint
CREATE INDEX "tasks_inbox_due_idx" ON "tasks" USING btree ("office_id","required_role","due_at","id") WHERE status in ('open', 'claimed');--> statement-breakpoint
CREATE INDEX "tasks_inbox_created_idx" ON "tasks" USING btree ("office_id","required_role","created_at","id") WHERE status in ('open', 'claimed');--> statement-breakpoint
CREATE INDEX "tasks_assignee_idx" ON "tasks" USING btree ("assignee","due_at","id") WHERE status = 'claimed';--> statement-breakpoint
CREATE INDEX "tasks_application_idx" ON "tasks" USING btree ("application_id");
CREATE TABLE "license_import_rows" (
	"import_id" text NOT NULL,
	"row" integer NOT NULL,
	"license_number" text NOT NULL,
	"data" jsonb NOT NULL,
	"outcome" text,
	"started_at" timestamp with time zone,
	CONSTRAINT "license_import_rows_import_id_row_pk" PRIMARY KEY("import_id","row")
);
--> statement-breakpoint
CREATE TABLE "license_imports" (
	"id" text PRIMARY KEY NOT NULL,
	"created_by" text NOT NULL,
	"source" text NOT NULL,
	"rows" integer NOT NULL,
	"rejected" integer NOT NULL,
	"errors" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "licenses" ALTER COLUMN "application_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "notifications" ALTER COLUMN "application_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ALTER COLUMN "application_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "licenses" ADD COLUMN "district" text;--> statement-breakpoint
ALTER TABLE "license_import_rows" ADD CONSTRAINT "license_import_rows_import_id_license_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."license_imports"("id") ON DELETE no action ON UPDATE no action;
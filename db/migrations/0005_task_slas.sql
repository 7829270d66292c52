ALTER TYPE "public"."case_event" ADD VALUE 'task_reminder';--> statement-breakpoint
ALTER TYPE "public"."case_event" ADD VALUE 'task_overdue';--> statement-breakpoint
CREATE TABLE "holidays" (
	"date" date PRIMARY KEY NOT NULL,
	"name" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "task_slas" (
	"kind" "task_kind" PRIMARY KEY NOT NULL,
	"working_days" double precision NOT NULL,
	"remind_at_share" double precision DEFAULT 0.8 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "applications" ADD COLUMN "overdue" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Defaults a municipality would start from; edit the rows to change them (no deploy needed).
INSERT INTO "task_slas" ("kind", "working_days", "remind_at_share") VALUES
  ('health_review', 3, 0.8),
  ('technical_review', 5, 0.8)
ON CONFLICT DO NOTHING;--> statement-breakpoint
INSERT INTO "holidays" ("date", "name") VALUES
  ('2026-02-22', 'Founding Day'),
  ('2026-03-19', 'Eid al-Fitr'), ('2026-03-20', 'Eid al-Fitr'), ('2026-03-22', 'Eid al-Fitr'), ('2026-03-23', 'Eid al-Fitr'),
  ('2026-05-26', 'Eid al-Adha'), ('2026-05-27', 'Eid al-Adha'), ('2026-05-28', 'Eid al-Adha'), ('2026-05-31', 'Eid al-Adha'),
  ('2026-09-23', 'National Day'),
  ('2027-02-22', 'Founding Day')
ON CONFLICT DO NOTHING;

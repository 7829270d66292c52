DROP INDEX "tasks_inbox_due_idx";--> statement-breakpoint
DROP INDEX "tasks_inbox_created_idx";
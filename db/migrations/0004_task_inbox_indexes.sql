CREATE INDEX "tasks_active_due_idx" ON "tasks" USING btree ("due_at","id") WHERE status in ('open', 'claimed');--> statement-breakpoint
CREATE INDEX "tasks_active_created_idx" ON "tasks" USING btree ("created_at","id") WHERE status in ('open', 'claimed');--> statement-breakpoint
CREATE INDEX "tasks_active_priority_idx" ON "tasks" USING btree ("priority" DESC NULLS LAST,"due_at","id") WHERE status in ('open', 'claimed');--> statement-breakpoint
CREATE INDEX "tasks_active_counts_idx" ON "tasks" USING btree ("kind","office_id","status","assignee","due_at") WHERE status in ('open', 'claimed');
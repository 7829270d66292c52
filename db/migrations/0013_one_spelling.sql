-- One spelling for every value: snake_case, as the access policy spells roles
-- and the status vocabulary spells stages. The reviewer roles take the roles'
-- own names; what a case waits on and its agencies are renamed in place.
ALTER TYPE "public"."reviewer_role" RENAME VALUE 'healthSpecialist' TO 'health_specialist';--> statement-breakpoint
ALTER TYPE "public"."reviewer_role" RENAME VALUE 'technicalInspector' TO 'technical_inspector';--> statement-breakpoint
UPDATE "applications" SET "waiting_on" = array_replace(array_replace(array_replace("waiting_on",
  'healthSpecialist', 'health_specialist'), 'technicalInspector', 'technical_inspector'), 'laborOffice', 'labor_office')
  WHERE "waiting_on" && ARRAY['healthSpecialist', 'technicalInspector', 'laborOffice'];--> statement-breakpoint
UPDATE "applications" SET "agencies" = ("agencies" - 'laborOffice') || jsonb_build_object('labor_office', "agencies" -> 'laborOffice')
  WHERE "agencies" ? 'laborOffice';

ALTER TABLE "request_logs" DROP CONSTRAINT "request_logs_environment_id_environments_id_fk";
--> statement-breakpoint
ALTER TABLE "request_logs" ALTER COLUMN "upstream" SET DATA TYPE json USING "upstream"::json;
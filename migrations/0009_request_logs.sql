CREATE TABLE "request_logs" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"environment_id" text NOT NULL,
	"linked_account_id" text,
	"api_key_id" text,
	"method" text NOT NULL,
	"route" text NOT NULL,
	"status" integer NOT NULL,
	"duration_ms" integer NOT NULL,
	"error_code" text,
	"upstream" jsonb NOT NULL,
	"retries" integer NOT NULL,
	"rate_limit_waits" integer NOT NULL,
	"rate_limit_wait_ms" integer NOT NULL,
	"token_exchanges" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "request_logs" ADD CONSTRAINT "request_logs_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "request_logs_environment_idx" ON "request_logs" USING btree ("environment_id","seq");--> statement-breakpoint
CREATE INDEX "request_logs_created_idx" ON "request_logs" USING btree ("created_at");
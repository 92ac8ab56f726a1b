CREATE TABLE "events" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"environment_id" text NOT NULL,
	"linked_account_id" text NOT NULL,
	"type" text NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_passes" (
	"id" text PRIMARY KEY NOT NULL,
	"environment_id" text NOT NULL,
	"linked_account_id" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"initial" boolean NOT NULL,
	"trigger" text NOT NULL,
	"mode" text DEFAULT 'full' NOT NULL,
	"counts" jsonb NOT NULL,
	"position" jsonb,
	"error" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "sync_states" (
	"linked_account_id" text PRIMARY KEY NOT NULL,
	"environment_id" text NOT NULL,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	"current_pass_id" text,
	"requested_at" timestamp with time zone,
	"last_pass_started_at" timestamp with time zone,
	"last_completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "synced_records" (
	"environment_id" text NOT NULL,
	"linked_account_id" text NOT NULL,
	"kind" text NOT NULL,
	"remote_id" text NOT NULL,
	"data" jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"remote_deleted_at" timestamp with time zone,
	CONSTRAINT "synced_records_linked_account_id_kind_remote_id_pk" PRIMARY KEY("linked_account_id","kind","remote_id")
);
--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_passes" ADD CONSTRAINT "sync_passes_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_passes" ADD CONSTRAINT "sync_passes_linked_account_id_linked_accounts_id_fk" FOREIGN KEY ("linked_account_id") REFERENCES "public"."linked_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_states" ADD CONSTRAINT "sync_states_linked_account_id_linked_accounts_id_fk" FOREIGN KEY ("linked_account_id") REFERENCES "public"."linked_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_states" ADD CONSTRAINT "sync_states_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "synced_records" ADD CONSTRAINT "synced_records_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "synced_records" ADD CONSTRAINT "synced_records_linked_account_id_linked_accounts_id_fk" FOREIGN KEY ("linked_account_id") REFERENCES "public"."linked_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "events_id_idx" ON "events" USING btree ("id");--> statement-breakpoint
CREATE INDEX "events_environment_idx" ON "events" USING btree ("environment_id","seq");--> statement-breakpoint
CREATE INDEX "events_account_idx" ON "events" USING btree ("environment_id","linked_account_id","seq");--> statement-breakpoint
CREATE INDEX "events_created_idx" ON "events" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "sync_passes_account_idx" ON "sync_passes" USING btree ("linked_account_id","started_at");
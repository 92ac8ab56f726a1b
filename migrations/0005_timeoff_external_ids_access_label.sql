CREATE TABLE "timeoff_external_ids" (
	"environment_id" text NOT NULL,
	"linked_account_id" text NOT NULL,
	"external_id" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"timeoff_request_id" text,
	"claimed_at" timestamp with time zone NOT NULL,
	"lease_ends_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "timeoff_external_ids_linked_account_id_external_id_pk" PRIMARY KEY("linked_account_id","external_id")
);
--> statement-breakpoint
ALTER TABLE "linked_accounts" ADD COLUMN "label" text;--> statement-breakpoint
ALTER TABLE "linked_accounts" ADD COLUMN "resource_access" jsonb;--> statement-breakpoint
ALTER TABLE "timeoff_external_ids" ADD CONSTRAINT "timeoff_external_ids_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "timeoff_external_ids" ADD CONSTRAINT "timeoff_external_ids_linked_account_id_linked_accounts_id_fk" FOREIGN KEY ("linked_account_id") REFERENCES "public"."linked_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "timeoff_external_ids_request_idx" ON "timeoff_external_ids" USING btree ("linked_account_id","timeoff_request_id");
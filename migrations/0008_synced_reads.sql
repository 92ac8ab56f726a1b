CREATE TABLE "synced_balances" (
	"environment_id" text NOT NULL,
	"linked_account_id" text NOT NULL,
	"employee_id" text NOT NULL,
	"balances" jsonb NOT NULL,
	"refreshed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "synced_balances_linked_account_id_employee_id_pk" PRIMARY KEY("linked_account_id","employee_id")
);
--> statement-breakpoint
ALTER TABLE "sync_states" ADD COLUMN "balances_refreshed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "synced_records" ADD COLUMN "seq" bigserial NOT NULL;--> statement-breakpoint
ALTER TABLE "synced_balances" ADD CONSTRAINT "synced_balances_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "synced_balances" ADD CONSTRAINT "synced_balances_linked_account_id_linked_accounts_id_fk" FOREIGN KEY ("linked_account_id") REFERENCES "public"."linked_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "synced_balances_read_order_idx" ON "synced_balances" USING btree ("linked_account_id",length("employee_id"),"employee_id");--> statement-breakpoint
CREATE INDEX "synced_records_read_order_idx" ON "synced_records" USING btree ("linked_account_id","kind",(case when "remote_id" ~ '^[0-9]+$' then 0 else 1 end),(case when "remote_id" ~ '^[0-9]+$' then length("remote_id") else "seq" end),"remote_id");
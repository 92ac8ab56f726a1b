CREATE TABLE "field_mappings" (
	"environment_id" text NOT NULL,
	"scope" text NOT NULL,
	"mappings" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "field_mappings_environment_id_scope_pk" PRIMARY KEY("environment_id","scope")
);
--> statement-breakpoint
ALTER TABLE "field_mappings" ADD CONSTRAINT "field_mappings_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE cascade ON UPDATE no action;
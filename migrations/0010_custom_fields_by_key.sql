-- Employees' custom_fields are keyed by attribute key instead of label: the next pass rewrites each stored
-- employee silently (see REBASELINE in src/sync/pass.ts) rather than announcing every one as updated.
UPDATE "synced_records" SET "content_hash" = 'rebaseline' WHERE "kind" = 'employee';

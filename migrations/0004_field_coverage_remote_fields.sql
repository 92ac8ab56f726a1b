-- Field coverage names the provider's fields `remote_fields` (it said `personio_attributes`): rewrite stored coverage.
UPDATE "linked_accounts" SET "field_coverage" = jsonb_set("field_coverage", '{unavailable}', (
	SELECT coalesce(jsonb_agg(CASE WHEN entry ? 'personio_attributes'
		THEN (entry - 'personio_attributes') || jsonb_build_object('remote_fields', entry -> 'personio_attributes')
		ELSE entry END ORDER BY position), '[]'::jsonb)
	FROM jsonb_array_elements("field_coverage" -> 'unavailable') WITH ORDINALITY AS element(entry, position)
))
WHERE jsonb_typeof("field_coverage" -> 'unavailable') = 'array';
--> statement-breakpoint
UPDATE "link_tokens" SET "session" = jsonb_set("session", '{field_coverage,unavailable}', (
	SELECT coalesce(jsonb_agg(CASE WHEN entry ? 'personio_attributes'
		THEN (entry - 'personio_attributes') || jsonb_build_object('remote_fields', entry -> 'personio_attributes')
		ELSE entry END ORDER BY position), '[]'::jsonb)
	FROM jsonb_array_elements("session" -> 'field_coverage' -> 'unavailable') WITH ORDINALITY AS element(entry, position)
))
WHERE jsonb_typeof("session" -> 'field_coverage' -> 'unavailable') = 'array';

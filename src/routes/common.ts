import { z } from '@hono/zod-openapi';

export const SECURITY = [{ apiKey: [] }];

export const LinkedAccountHeaders = z.object({
  'x-linked-account-id': z
    .string()
    .optional()
    .openapi({
      param: { in: 'header', required: true },
      description: 'The linked account (`la_…`) to act on.',
      example: 'la_4kR9sTqW2mXb7YcN1pLdZe',
    }),
});

export const PaginationQuery = z.object({
  limit: z.coerce
    .number({ error: 'must be a whole number from 1 to 200' })
    .int('must be a whole number from 1 to 200')
    .min(1, 'must be at least 1')
    .max(200, 'must be at most 200')
    .default(50)
    .openapi({ description: 'Page size, 1–200.', example: 50 }),
  cursor: z
    .string()
    .min(1)
    .max(2048)
    .optional()
    .openapi({ description: '`next_cursor` of the previous page; send the same filters with it.' }),
});

export const booleanQuery = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .optional()
  .transform((value) => value === 'true');

export function singleEnvelope<Schema extends z.ZodType>(schema: Schema) {
  return z.object({ result: schema });
}

export function listEnvelope<Schema extends z.ZodType>(schema: Schema) {
  return z.object({
    result: z.array(schema),
    next_cursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; `null` at the end.' }),
  });
}

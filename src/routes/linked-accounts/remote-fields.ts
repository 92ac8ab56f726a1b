import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv, Services } from '../../context';
import type { LinkedAccount } from '../../db/schema';
import { ApiError } from '../../errors';
import { findIntegration } from '../../providers/registry';
import type { RemoteField } from '../../providers/types';
import { booleanQuery, linkedAccountErrorResponses, SECURITY } from '../common';
import { findLinkedAccount, LinkedAccountIdParams } from './common';

/** Sample values per field when asked for. */
export const SAMPLE_VALUES = 3;

export const RemoteFieldSchema = z
  .object({
    key: z.string().openapi({ description: "The provider's stable key.", example: 'dynamic_1004' }),
    label: z.string().nullable().openapi({ example: 'Business email' }),
    type: z.string().nullable().openapi({ description: "The provider's type name.", example: 'standard' }),
    options: z.array(z.string()).openapi({ description: 'The values a list field allows.' }),
    whitelisted: z.boolean().openapi({
      description:
        'Whether the credential may read it. Fields it may not read are listed when some unified field ' +
        'reads them by default (Personio: whitelist them on the credential).',
    }),
    custom: z.boolean().openapi({
      description:
        'A company-defined field: in `custom_fields` under `key`, and what field mappings can read.',
    }),
    default_for: z.array(z.string()).openapi({
      description: 'The unified Employee fields it fills without mappings.',
      example: ['work_email'],
    }),
    sample_values: z
      .array(z.string())
      .optional()
      .openapi({
        description:
          'Only with `include_samples=true`: a few distinct values from the first employees, as text. None for ' +
          'pay or pictures, nor, while the account hides absence details, for fields that reveal absences.',
      }),
  })
  .openapi('RemoteField');

const route = createRoute({
  method: 'get',
  path: '/linked-accounts/{id}/remote-fields',
  operationId: 'listRemoteFields',
  tags: ['Field mappings'],
  summary: "List the provider's employee fields",
  description:
    'Every employee field the credential can read (Personio: attribute key, label, type), the fields it ' +
    'cannot read that unified fields would use, and with `include_samples=true` a few sample values. Asks the ' +
    'provider live.',
  security: SECURITY,
  request: {
    params: LinkedAccountIdParams,
    query: z.object({
      include_samples: booleanQuery.openapi({
        description: 'Adds `sample_values`, read from the first employees (one more provider call).',
      }),
    }),
  },
  responses: {
    200: {
      description: 'The fields.',
      content: { 'application/json': { schema: z.object({ result: z.array(RemoteFieldSchema) }) } },
    },
    ...linkedAccountErrorResponses('unprocessable'),
  },
});

export function registerListRemoteFields(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const services = c.get('services');
    const linkedAccount = await findLinkedAccount(services, c.get('environment').id, id);
    const samples = c.req.valid('query').include_samples ? SAMPLE_VALUES : 0;
    return c.json({ result: await describeRemoteFields(services, linkedAccount, samples) }, 200);
  });
}

/** The account's remote fields with what the gateway knows of them (`samples` 0: none). */
export async function describeRemoteFields(
  services: Services,
  linkedAccount: LinkedAccount,
  samples: number,
): Promise<z.infer<typeof RemoteFieldSchema>[]> {
  const fields = await readRemoteFields(services, linkedAccount, samples);
  const sources = findIntegration(linkedAccount.integration)?.definition.coverage;
  const defaultFor = new Map<string, string[]>();
  for (const [field, remoteFields] of Object.entries(sources?.fieldSources ?? {})) {
    for (const remote of remoteFields) defaultFor.set(remote, [...(defaultFor.get(remote) ?? []), field]);
  }
  const described = fields.map((field) => ({
    key: field.key,
    label: field.label,
    type: field.type,
    options: field.options,
    whitelisted: true,
    custom: field.custom,
    default_for: defaultFor.get(field.key) ?? [],
    ...(samples > 0 ? { sample_values: field.samples ?? [] } : {}),
  }));
  const readable = new Set(fields.map((field) => field.key));
  for (const [key, unified] of defaultFor) {
    if (readable.has(key)) continue;
    described.push({
      key,
      label: sources?.remoteFieldLabels[key] ?? null,
      type: null,
      options: [],
      whitelisted: false,
      custom: false,
      default_for: unified,
      ...(samples > 0 ? { sample_values: [] } : {}),
    });
  }
  return described;
}

/** The fields the credential can read, asked live; an account that cannot be used says why. */
export async function readRemoteFields(
  services: Services,
  linkedAccount: LinkedAccount,
  samples: number,
): Promise<RemoteField[]> {
  if (linkedAccount.status === 'needs_reauth') {
    throw new ApiError(
      'provider_unauthorized',
      'The provider rejected the credentials of this linked account; the customer needs to link it again.',
      { details: { linked_account_status: 'needs_reauth' } },
    );
  }
  if (linkedAccount.status === 'disabled') {
    throw new ApiError('forbidden', 'This linked account is disabled.', {
      details: { linked_account_status: 'disabled' },
    });
  }
  const provider = await services.providers.hris(linkedAccount);
  return provider.listRemoteFields({
    samples,
    hideAbsenceDetails: linkedAccount.settings.hide_absence_details ?? false,
  });
}

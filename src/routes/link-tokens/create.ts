import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { getLinkedAccount } from '../../db/queries/linked-accounts';
import { ApiError, errorResponses } from '../../errors';
import { findIntegration, integrationIds } from '../../providers/registry';
import { issueLinkToken } from '../../services/link-tokens';
import { SECURITY, singleEnvelope } from '../common';

const MAX_TTL_SECONDS = 604_800;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https anywhere; plain http only on the developer's own machine. */
function isAcceptableScheme(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

const RedirectUri = z
  .string()
  .max(2048)
  .refine((value) => {
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return isAcceptableScheme(url) && url.hash === '' && url.username === '' && url.password === '';
  }, 'must be an https URL (http only on localhost) without credentials or #fragment')
  .openapi({
    description:
      'Where the page sends the browser after linking, with `linked_account_id` and `state` added to the query.',
    example: 'https://app.example.com/integrations/personio/done',
  });

const Origin = z
  .string()
  .max(512)
  .refine((value) => {
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    const origin = value.replace(/\/$/, '');
    // Only host characters: an origin is written into CSP and frame headers, where `,` or `;` would split them.
    return (
      isAcceptableScheme(url) && url.origin === origin && /^https?:\/\/[A-Za-z0-9.\-[\]:]+$/.test(origin)
    );
  }, 'must be an origin (scheme://host[:port], no path): https, or http on localhost')
  .transform((value) => new URL(value).origin);

const LinkTokenRequest = z
  .object({
    end_user: z
      .object({
        origin_id: z.string().trim().min(1).max(255).openapi({
          description: 'Your id for the customer (organization) that links.',
          example: 'customer-42',
        }),
        organization_name: z.string().trim().min(1).max(200).optional().openapi({ example: 'Acme GmbH' }),
        email: z.email().max(320).optional().openapi({ example: 'hr-admin@acme.example' }),
      })
      .strict(),
    integration: z
      .string()
      .max(64)
      .default('personio')
      .openapi({
        description:
          'The provider integration (see the provider registry): `personio`, or `personio-sandbox` for the ' +
          'built-in simulator where it is enabled.',
        example: 'personio',
      }),
    redirect_uri: RedirectUri.optional(),
    allowed_origins: z
      .array(Origin)
      .max(10)
      .default([])
      .openapi({
        description:
          'Origins that receive `postMessage({ type: "roster:linked", linked_account_id, state })` and may frame the page.',
        example: ['https://app.example.com'],
      }),
    linked_account_id: z
      .string()
      .regex(/^la_[0-9A-Za-z]{1,64}$/, 'must be a linked account id (la_…)')
      .optional()
      .openapi({ description: 'Reconnect this account (new credentials, same id) instead of creating one.' }),
    state: z
      .string()
      .max(1024)
      .optional()
      .openapi({ description: 'Opaque value handed back with the result, e.g. to tie it to your session.' }),
    expires_in: z.number().int().min(60).max(MAX_TTL_SECONDS).optional().openapi({
      description: 'Token lifetime in seconds, up to 7 days; default `LINK_TOKEN_TTL_SECONDS` (30 minutes).',
      example: 1800,
    }),
  })
  .strict()
  .openapi('LinkTokenRequest');

const LinkTokenSchema = z
  .object({
    link_token: z.string().openapi({ description: 'Single use; expires at `expires_at`.' }),
    url: z.string().openapi({
      description: 'The hosted link page for this token: open it in a popup, an iframe or a redirect.',
      example: 'https://roster.example.com/link/eyJhbGciOiJIUzI1NiJ9…',
    }),
    expires_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('LinkToken');

const route = createRoute({
  method: 'post',
  path: '/link-tokens',
  operationId: 'createLinkToken',
  tags: ['Link'],
  summary: 'Create a link token',
  description:
    "Starts the hosted link flow for one of your customers: send the customer's browser to `url`. The page " +
    'validates their Personio credentials live, shows which Employee fields the credential can read, stores ' +
    'the account and hands you its `linked_account_id` (redirect and/or `postMessage`).',
  security: SECURITY,
  request: { body: { required: true, content: { 'application/json': { schema: LinkTokenRequest } } } },
  responses: {
    201: {
      description: 'The link token and its page URL.',
      content: { 'application/json': { schema: singleEnvelope(LinkTokenSchema).openapi('LinkTokenResult') } },
    },
    ...errorResponses('invalid_request', 'unauthorized', 'not_found', 'unprocessable'),
  },
});

export function registerCreateLinkToken(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    const services = c.get('services');
    const environment = c.get('environment');
    const provider = findIntegration(body.integration);
    if (!provider) {
      throw new ApiError('invalid_request', `Unknown integration ${body.integration}.`, {
        details: [{ field: 'integration', message: `must be one of ${integrationIds().join(', ')}` }],
      });
    }
    if (provider.integration.sandbox && !services.config.sandbox.enabled) {
      throw new ApiError(
        'unprocessable',
        `This deployment does not serve the ${provider.definition.displayName} sandbox.`,
        {
          details: [{ field: 'integration', message: `${body.integration} is not enabled (SANDBOX=true)` }],
        },
      );
    }
    let integration = body.integration;
    if (body.linked_account_id) {
      const linkedAccount = await getLinkedAccount(services.db, {
        environmentId: environment.id,
        id: body.linked_account_id,
      });
      if (!linkedAccount) {
        throw new ApiError('not_found', `No linked account ${body.linked_account_id} in this environment.`);
      }
      if (linkedAccount.originId !== body.end_user.origin_id) {
        throw new ApiError(
          'invalid_request',
          'end_user.origin_id must be the origin id of the linked account.',
          {
            details: [
              { field: 'end_user.origin_id', message: `the linked account belongs to another end user` },
            ],
          },
        );
      }
      integration = linkedAccount.integration;
    }
    const issued = await issueLinkToken(services, {
      environmentId: environment.id,
      integration,
      linkedAccountId: body.linked_account_id,
      originId: body.end_user.origin_id,
      organizationName: body.end_user.organization_name,
      email: body.end_user.email,
      redirectUri: body.redirect_uri,
      allowedOrigins: [...new Set(body.allowed_origins)],
      state: body.state,
      ttlSeconds: body.expires_in ?? services.config.link.tokenTtlSeconds,
    });
    return c.json(
      {
        result: {
          link_token: issued.token,
          url: issued.url,
          expires_at: issued.linkToken.expiresAt.toISOString(),
        },
      },
      201,
    );
  });
}

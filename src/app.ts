import { swaggerUI } from '@hono/swagger-ui';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { AppDeps, AppEnv, Services } from './context';
import { isDatabaseUnavailable } from './db/client';
import { ApiError, errorBody } from './errors';
import { apiKeyAuth } from './middleware/api-key-auth';
import { linkedAccountResolution } from './middleware/linked-account';
import { requestContext } from './middleware/request-id';
import { requestObservation } from './middleware/request-log';
import { eventsRouter } from './routes/events';
import { fieldMappingsRouter } from './routes/field-mappings';
import { DATABASE_RETRY_AFTER_SECONDS, healthRouter } from './routes/health';
import { inboundWebhooksRouter } from './routes/inbound-webhooks';
import { linkPageRouter } from './routes/link-page';
import { linkTokensRouter } from './routes/link-tokens';
import { linkedAccountsRouter } from './routes/linked-accounts';
import { mcpRouter } from './routes/mcp';
import { registerMetrics } from './routes/metrics';
import { proxyRouter } from './routes/proxy';
import { requestLogsRouter } from './routes/request-logs';
import { sandboxRouter } from './routes/sandbox';
import { employeesRouter } from './routes/unified/hris/employees';
import { timeoffBalancesRouter } from './routes/unified/hris/timeoff-balances';
import { timeoffRequestsRouter } from './routes/unified/hris/timeoff-requests';
import { timeoffTypesRouter } from './routes/unified/hris/timeoff-types';
import { webhookDeliveriesRouter } from './routes/webhook-deliveries';
import { webhookEndpointsRouter } from './routes/webhook-endpoints';
import { createServices } from './services';

/** The `swagger-ui-dist` version pinned in package.json, for runtimes that load it from the CDN. */
const SWAGGER_UI_VERSION = '5.35.0';

export const OPENAPI_DOCUMENT_CONFIG = {
  openapi: '3.1.0',
  info: {
    title: 'Roster API',
    version: '0.1.0',
    description:
      'One normalized HRIS API over Personio. Authenticate with `Authorization: Bearer sk_…`; name the linked ' +
      'account with `X-Linked-Account-Id`. Lists return `{ result, next_cursor }`; errors return ' +
      '`{ error: { code, message, request_id, details? } }`.',
    license: { name: 'MIT' },
  },
} as const;

/** The whole HTTP app. Runtime-neutral: Web APIs only, every dependency passed in. */
export async function createApp(deps: AppDeps, prepared?: Services) {
  // The Node entry passes the services it also gives the job engine, so the process has one set.
  const services = prepared ?? (await createServices(deps));

  const app = new OpenAPIHono<AppEnv>();
  app.use('*', requestContext(services));
  if (services.requestLogs || services.metrics) {
    app.use('*', requestObservation({ writer: services.requestLogs, metrics: services.metrics }));
  }

  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key of one environment: `sk_test_…` or `sk_live_…`.',
  });

  app.route('/', healthRouter());
  registerMetrics(app, services);
  // Built once, on the first request for it: the routes do not change while the app runs.
  let openApiDocument: string | undefined;
  app.get('/openapi.json', (c) => {
    openApiDocument ??= JSON.stringify(app.getOpenAPI31Document(OPENAPI_DOCUMENT_CONFIG));
    c.header('content-type', 'application/json; charset=utf-8');
    return c.body(openApiDocument);
  });
  const docsAssets = deps.docsAssets;
  app.get(
    '/docs',
    swaggerUI({
      url: '/openapi.json',
      title: 'Roster API',
      // Served by this app where the runtime can read the npm package (Node); otherwise jsDelivr, pinned.
      ...(docsAssets ? { baseUrl: '/docs/assets' } : { version: SWAGGER_UI_VERSION }),
    }),
  );
  if (docsAssets) {
    app.get('/docs/assets/swagger-ui-dist/:file', async (c) => {
      const asset = await docsAssets(c.req.param('file'));
      if (!asset) throw new ApiError('not_found', 'No such file of the API reference.');
      c.header('content-type', asset.contentType);
      c.header('cache-control', 'public, max-age=86400');
      return c.body(asset.body as Uint8Array<ArrayBuffer>);
    });
  }

  // JSON bodies of the API are small; the proxy streams its own, the link page limits its forms.
  for (const path of [
    '/unified/*',
    '/link-tokens',
    '/linked-accounts/*',
    '/sandbox/*',
    '/webhook-endpoints',
    '/webhook-endpoints/*',
    '/webhook-deliveries/*',
    '/mcp',
  ])
    app.use(path, jsonBodyLimit);
  app.use('/unified/*', apiKeyAuth, linkedAccountResolution);
  app.use('/proxy/*', apiKeyAuth, linkedAccountResolution);
  app.route('/', employeesRouter());
  app.route('/', timeoffTypesRouter());
  app.route('/', timeoffRequestsRouter());
  app.route('/', timeoffBalancesRouter());
  app.route('/', proxyRouter());
  app.use('/mcp', apiKeyAuth, linkedAccountResolution);
  app.route('/', mcpRouter());

  app.use('/link-tokens', apiKeyAuth);
  app.use('/linked-accounts/*', apiKeyAuth);
  app.route('/', linkTokensRouter());
  app.route('/', linkedAccountsRouter());
  app.use('/field-mappings', apiKeyAuth);
  app.route('/', fieldMappingsRouter());
  app.use('/events', apiKeyAuth);
  app.use('/events/*', apiKeyAuth);
  app.use('/sandbox/*', apiKeyAuth);
  app.use('/webhook-endpoints', apiKeyAuth);
  app.use('/webhook-endpoints/*', apiKeyAuth);
  app.use('/webhook-deliveries/*', apiKeyAuth);
  app.use('/request-logs', apiKeyAuth);
  app.route('/', eventsRouter());
  app.route('/', webhookEndpointsRouter());
  app.route('/', webhookDeliveriesRouter());
  app.route('/', sandboxRouter());
  app.route('/', requestLogsRouter());
  app.route('/', linkPageRouter());
  // Providers' change notifications: authenticated by each account's own token, not an API key.
  app.route('/', inboundWebhooksRouter());

  app.notFound(() => {
    throw new ApiError('not_found', 'No such route. See /docs for the API reference.');
  });

  app.onError((error, c) => {
    const requestId = c.get('requestId') ?? 'req_unknown';
    const apiError = toApiError(error);
    c.set('errorCode', apiError.code);
    if (apiError.code === 'internal') {
      services.logger.error('unhandled error', { request_id: requestId, ...describeForLog(error) });
    } else if (apiError.code === 'service_unavailable') {
      services.logger.warn('database unavailable', {
        request_id: requestId,
        cause: describeForLog(error).cause,
      });
    }
    for (const [name, value] of Object.entries(apiError.headers)) c.header(name, value);
    c.header('X-Request-Id', requestId);
    c.header('X-Roster-Source', 'gateway');
    return c.json(errorBody(apiError, requestId), apiError.status);
  });

  return app;
}

export type App = Awaited<ReturnType<typeof createApp>>;

const MAX_JSON_BODY_BYTES = 1024 * 1024;

const limitBody = bodyLimit({
  maxSize: MAX_JSON_BODY_BYTES,
  onError: () => {
    throw new ApiError('payload_too_large', `Request bodies may be at most ${MAX_JSON_BODY_BYTES} bytes.`);
  },
});

/**
 * Reads (GET, HEAD) carry no body the gateway reads, so they skip the check: looking at the body makes
 * the Node adapter build a full WHATWG Request for every call.
 */
const jsonBodyLimit: MiddlewareHandler<AppEnv> = (c, next) =>
  c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next);

/** PostgreSQL refuses NUL characters in text and JSON (SQLSTATE 22021, 22P05): that is bad input, not a bug. */
const TEXT_REFUSED_BY_DATABASE = new Set(['22021', '22P05']);
/** Dates PostgreSQL cannot hold or read (SQLSTATE 22008 out of range, 22007 bad format): bad input too. */
const DATE_REFUSED_BY_DATABASE = new Set(['22008', '22007']);

function databaseErrorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * What may be logged of an unexpected error: its kind, message and stack, with the bound parameters that
 * query errors list (`params: …`) cut off, since they can carry request data.
 */
function describeForLog(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: 'non-Error thrown' };
  const scrub = (text: string | undefined) => text?.replace(/\bparams:[\s\S]*$/, 'params: [redacted]');
  const cause =
    error.cause instanceof Error ? `${error.cause.name}: ${scrub(error.cause.message)}` : undefined;
  return { error: `${error.name}: ${scrub(error.message)}`, cause, stack: scrub(error.stack) };
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const code = databaseErrorCode(error);
  if (code && TEXT_REFUSED_BY_DATABASE.has(code)) {
    return new ApiError('invalid_request', 'Text values must not contain NUL (\\u0000) characters.');
  }
  if (code && DATE_REFUSED_BY_DATABASE.has(code)) {
    return new ApiError('invalid_request', 'A date or time is outside the range the gateway accepts.');
  }
  if (isDatabaseUnavailable(error)) {
    return new ApiError(
      'service_unavailable',
      'The database is unavailable; retry after `Retry-After` seconds.',
      {
        headers: { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) },
      },
    );
  }
  if (error instanceof HTTPException) {
    // Hono raises these for malformed JSON bodies and similar client mistakes.
    if (error.status === 401) return new ApiError('unauthorized', error.message || 'Unauthorized.');
    if (error.status < 500) return new ApiError('invalid_request', error.message || 'Invalid request.');
  }
  return new ApiError('internal', 'An unexpected error occurred. Quote the request id when reporting it.');
}

import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv, Services } from '../context';
import { deploymentGauges } from '../db/queries/metrics';
import { ApiError } from '../errors';

/**
 * `GET /metrics`: Prometheus text for the operator. Its own token (`METRICS_TOKEN`), not an API key: the
 * figures cover every environment of the deployment, which no tenant's key may see, and a scraper should
 * not hold a key that can read HR data. Not in the OpenAPI document, which describes the tenants' API.
 */
export function registerMetrics(app: OpenAPIHono<AppEnv>, services: Services) {
  app.get('/metrics', async (c) => {
    const token = services.config.observability.metricsToken;
    const metrics = services.metrics;
    if (!token || !metrics) {
      throw new ApiError(
        'not_found',
        'Metrics are not served here: set METRICS_TOKEN (Node gateway) to turn on `/metrics`.',
      );
    }
    const given = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (!given || !(await sameSecret(given, token))) {
      throw new ApiError('unauthorized', 'Pass the metrics token: `Authorization: Bearer <METRICS_TOKEN>`.');
    }
    const { body, contentType } = await metrics.render(await deploymentGauges(services.db, services.now()));
    c.header('content-type', contentType);
    c.header('cache-control', 'no-store');
    return c.body(body);
  });
}

/** Compares digests, so the time taken says nothing about how much of the token was right. */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(given)),
    crypto.subtle.digest('SHA-256', encoder.encode(expected)),
  ]);
  const left = new Uint8Array(a);
  const right = new Uint8Array(b);
  let difference = 0;
  for (let index = 0; index < left.length; index++) difference |= left[index]! ^ right[index]!;
  return difference === 0;
}

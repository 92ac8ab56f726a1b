import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context';
import type { MetricsSink } from '../observability/metrics';
import type { RequestLogWriter } from '../observability/request-log-writer';
import { newTrace } from '../observability/request-trace';

export interface RequestObservers {
  /** Request logs of API-key calls; absent with `REQUEST_LOGS=false`. */
  writer: RequestLogWriter | undefined;
  metrics: MetricsSink | undefined;
}

/**
 * Records what each call did (request log row and metrics) once its answer is ready. Kept apart from
 * `requestContext` so the hot path pays for it only when it is switched on; the work here is a few field
 * reads and an array push, the database write happens later in a batch.
 */
export function requestObservation(observers: RequestObservers) {
  const { writer, metrics } = observers;
  return createMiddleware<AppEnv>(async (c, next) => {
    const trace = newTrace();
    const started = performance.now();
    const services = c.get('services');
    const receivedAt = services.now();
    // The trace goes down with the request's services: routes reach providers only through them, and work
    // that outlives the request (sync passes, jobs) holds the process's services, so it is never counted.
    c.set('services', { ...services, providers: services.providers.forRequest(trace) });
    await next();
    const durationMs = performance.now() - started;
    trace.closed = true;
    // The matched route's template (`/unified/hris/employees/:id`); a path no route matched has none.
    const matched = c.req.routePath;
    const route = matched && matched !== '*' && matched !== '/*' ? matched : 'unmatched';
    const status = c.res.status;
    metrics?.observeRequest({ method: c.req.method, route, status, durationMs, trace });
    const environment = c.get('environment');
    // Logs belong to an environment: calls without a valid API key (health, docs, link page, 401s) have none.
    if (!writer || !environment) return;
    writer.add({
      id: c.get('requestId'),
      environmentId: environment.id,
      linkedAccountId: c.get('linkedAccount')?.id ?? null,
      apiKeyId: c.get('apiKeyId') ?? null,
      method: c.req.method,
      route,
      status,
      durationMs: Math.round(durationMs),
      errorCode: c.get('errorCode') ?? null,
      upstream: trace.upstream,
      retries: trace.retries,
      rateLimitWaits: trace.rateLimitWaits,
      rateLimitWaitMs: trace.rateLimitWaitMs,
      tokenExchanges: trace.tokenExchanges,
      createdAt: receivedAt,
    });
  });
}

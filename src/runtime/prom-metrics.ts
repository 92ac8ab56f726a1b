import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricsSink, RequestObservation } from '../observability/metrics';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The gateway's metrics in a prom-client registry of its own (one per app, so tests can run several). */
export function promMetrics(): MetricsSink {
  const registry = new Registry();
  const requestDuration = new Histogram({
    name: 'roster_http_request_duration_seconds',
    help: 'Gateway calls by route template, method and status class: time to the response head.',
    labelNames: ['route', 'method', 'status_class'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const upstreamResponses = new Counter({
    name: 'roster_upstream_responses_total',
    help: 'Provider calls (each attempt) by method and status; status "none" when no answer came.',
    labelNames: ['method', 'status'] as const,
    registers: [registry],
  });
  const upstreamDuration = new Histogram({
    name: 'roster_upstream_duration_seconds',
    help: 'Provider calls (each attempt): time to the answer head.',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const retries = new Counter({
    name: 'roster_upstream_retries_total',
    help: 'Provider calls sent again after a 429, 5xx, timeout or lost connection.',
    registers: [registry],
  });
  const tokenExchanges = new Counter({
    name: 'roster_token_exchanges_total',
    help: 'Provider token exchanges made by gateway calls.',
    registers: [registry],
  });
  const rateWaits = new Counter({
    name: 'roster_rate_budget_waits_total',
    help: "Provider calls that waited for the linked account's shared rate budget.",
    registers: [registry],
  });
  const rateWaitSeconds = new Counter({
    name: 'roster_rate_budget_wait_seconds_total',
    help: 'Time provider calls spent waiting for the rate budget.',
    registers: [registry],
  });
  const syncLag = new Gauge({
    name: 'roster_sync_lag_seconds',
    help: 'Age of the oldest last complete sync pass among active linked accounts (0 when none completed).',
    registers: [registry],
  });
  const neverSynced = new Gauge({
    name: 'roster_sync_never_completed_accounts',
    help: 'Active linked accounts without a complete sync pass yet.',
    registers: [registry],
  });
  const webhookBacklog = new Gauge({
    name: 'roster_webhook_backlog',
    help: 'Webhook deliveries waiting to be delivered (pending), every environment.',
    registers: [registry],
  });
  const webhookOldest = new Gauge({
    name: 'roster_webhook_oldest_pending_seconds',
    help: 'Age of the oldest pending webhook delivery (0 without backlog).',
    registers: [registry],
  });

  // Labelled children are looked up once per label set: prom-client hashes the labels on every call otherwise.
  const requestSeries = new Map<string, { observe(value: number): void }>();
  const upstreamSeries = new Map<string, { inc(): void }>();

  return {
    observeRequest(observation: RequestObservation) {
      const statusClass = `${Math.floor(observation.status / 100)}xx`;
      const key = `${observation.method} ${observation.route} ${statusClass}`;
      let series = requestSeries.get(key);
      if (!series) {
        series = requestDuration.labels(observation.route, observation.method, statusClass);
        requestSeries.set(key, series);
      }
      series.observe(observation.durationMs / 1000);
      const { trace } = observation;
      for (const call of trace.upstream) {
        const status = call.status === null ? 'none' : String(call.status);
        const upstreamKey = `${call.method} ${status}`;
        let counter = upstreamSeries.get(upstreamKey);
        if (!counter) {
          counter = upstreamResponses.labels(call.method, status);
          upstreamSeries.set(upstreamKey, counter);
        }
        counter.inc();
        upstreamDuration.observe(call.duration_ms / 1000);
      }
      if (trace.retries > 0) retries.inc(trace.retries);
      if (trace.tokenExchanges > 0) tokenExchanges.inc(trace.tokenExchanges);
      if (trace.rateLimitWaits > 0) {
        rateWaits.inc(trace.rateLimitWaits);
        rateWaitSeconds.inc(trace.rateLimitWaitMs / 1000);
      }
    },
    async render(gauges) {
      syncLag.set(gauges.syncLagSeconds);
      neverSynced.set(gauges.neverSynced);
      webhookBacklog.set(gauges.webhookBacklog);
      webhookOldest.set(gauges.webhookOldestPendingSeconds);
      return { body: await registry.metrics(), contentType: registry.contentType };
    },
  };
}

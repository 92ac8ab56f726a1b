import type { DeploymentGauges } from '../db/queries/metrics';
import type { RequestTrace } from './request-trace';

/** One finished gateway call, as metrics see it. */
export interface RequestObservation {
  method: string;
  /** The route template, or `unmatched`. */
  route: string;
  status: number;
  durationMs: number;
  trace: RequestTrace;
}

/**
 * Where the gateway's metrics go. The Node entry passes a prom-client registry (`src/runtime/prom-metrics.ts`);
 * without one (Workers, whose isolates each hold a sliver of the traffic) `/metrics` is not served.
 */
export interface MetricsSink {
  observeRequest(observation: RequestObservation): void;
  /** The Prometheus text exposition, with the deployment's gauges as of now. */
  render(gauges: DeploymentGauges): Promise<{ body: string; contentType: string }>;
}

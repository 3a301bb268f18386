/**
 * Prometheus metrics (prom-client), served at `GET /v1/metrics`. Labels carry routes, statuses, municipality codes,
 * definition ids and ladder levels: never ids of trajectories, cases or people.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The engine's metrics in one registry; `npm start` shares it between the API and the worker. */
export interface Metrics {
  registry: Registry;
  /** HTTP requests by method, route pattern and status. */
  httpRequests: Counter<'method' | 'route' | 'status'>;
  /** HTTP request latency by method, route pattern and status, in seconds. */
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Trajectories started through the API, by municipality and definition. */
  trajectoriesStarted: Counter<'municipality' | 'definition'>;
  /** Escalations raised (first delivery attempt of `escalation.raised`), by ladder level and municipality. */
  escalationsRaised: Counter<'level' | 'municipality'>;
}

/** Creates a registry with the engine's metrics and Node's process metrics (`process_*`, `nodejs_*`). */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'waakvlam_http_requests_total',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'waakvlam_http_request_duration_seconds',
      help: 'HTTP request latency in seconds, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    trajectoriesStarted: new Counter({
      name: 'waakvlam_trajectories_started_total',
      help: 'Trajectories started through the API, by municipality and definition',
      labelNames: ['municipality', 'definition'],
      registers: [registry],
    }),
    escalationsRaised: new Counter({
      name: 'waakvlam_escalations_raised_total',
      help: 'Escalations raised, by ladder level and municipality',
      labelNames: ['level', 'municipality'],
      registers: [registry],
    }),
  };
}

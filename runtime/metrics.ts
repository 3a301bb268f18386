/**
 * Prometheus metrics (prom-client). Not part of the public API: the entry points serve them at `GET /metrics` on
 * their own port (`WAAKVLAM_METRICS_PORT`), for the internal network only.
 *
 * Labels carry route patterns, methods, statuses, municipality codes (CBS codes, public), ladder levels and the ids of
 * shipped definitions: never anything a municipality names itself (the ids of the definitions it registered), and
 * never ids of trajectories, cases or people.
 */
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The `definition` label of a trajectory started with a definition a municipality registered. */
export const REGISTERED_DEFINITION_LABEL = 'registered';

/** The engine's metrics in one registry; `npm start` shares it between the API and the worker. */
export interface Metrics {
  registry: Registry;
  /** HTTP requests by method, route pattern and status. */
  httpRequests: Counter<'method' | 'route' | 'status'>;
  /** HTTP request latency by method, route pattern and status, in seconds. */
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /**
   * Trajectories started through the API, by municipality and definition. The `definition` label is the id when it
   * is the id of a shipped definition (a municipality's own version of it included), else
   * {@link REGISTERED_DEFINITION_LABEL}: the caller decides.
   */
  trajectoriesStarted: Counter<'municipality' | 'definition'>;
  /** Escalations raised (first delivery attempt of `escalation.raised`), by ladder level (a number) and municipality. */
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
      help: 'Trajectories started through the API, by municipality and definition (a shipped id, or "registered")',
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

/** Path of the health answer on the metrics port (a process without an HTTP API of its own: the worker). */
export const HEALTH_PATH = '/health';

/**
 * Serves `GET /metrics` (Prometheus text format) on its own port and interface, and, given `healthy`, `GET /health`:
 * 200 `{"status":"ok"}` while it answers (or resolves) true, else 503 `{"status":"unavailable"}` (the image's
 * healthcheck asks it).
 * Any other request is a 404. Resolves once listening, or at once with undefined when no address is configured;
 * rejects when the port cannot be bound.
 */
export async function serveMetrics(
  metrics: Metrics,
  address: { port: number; host: string } | undefined,
  logger?: Logger,
  healthy?: () => boolean | Promise<boolean>,
): Promise<Server | undefined> {
  if (!address) return undefined;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://metrics').pathname;
    if (req.method === 'GET' && healthy && path === HEALTH_PATH) {
      void Promise.resolve()
        .then(healthy)
        .catch(() => false)
        .then((ok) => res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ok' : 'unavailable' })));
      return;
    }
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  logger?.info(address, 'metrics listening');
  return server;
}

/** Stops a metrics server: no new connections, idle keep-alive connections (a scraper's) closed at once. */
export function closeMetricsServer(server: Server | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!server) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

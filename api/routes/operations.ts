/**
 * Operations: liveness and readiness (readiness checks the Temporal connection), Prometheus metrics, the OpenAPI
 * document and its browsable page. All public: they carry no trajectory data.
 */
import { z } from 'zod';
import { ProblemError } from '../problem.js';
import { route, type RouteSpec } from '../route.js';
import type { Services } from '../services.js';
import { HealthResponse } from '../schemas.js';

export function operationRoutes(s: Services, contract: { openapi: () => Record<string, unknown>; docs: () => string }): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/v1/health/live',
      operationId: 'live',
      tag: 'operations',
      summary: 'Liveness: the process answers',
      roles: 'public',
      responses: { 200: { description: 'Alive.', schema: HealthResponse } },
      handler: ({ res }) => {
        res.json({ status: 'ok' });
      },
    }),
    route({
      method: 'get',
      path: '/v1/health/ready',
      operationId: 'ready',
      tag: 'operations',
      summary: 'Readiness: the Temporal server is reachable',
      roles: 'public',
      errors: [503],
      responses: { 200: { description: 'Ready.', schema: HealthResponse } },
      handler: async ({ res }) => {
        try {
          await s.client.connection.workflowService.getSystemInfo({});
        } catch (err) {
          s.logger.warn({ err: String(err) }, 'readiness: Temporal unreachable');
          throw new ProblemError('service-unavailable', 'the Temporal server is not reachable');
        }
        res.json({ status: 'ok', temporal: 'reachable' });
      },
    }),
    route({
      method: 'get',
      path: '/v1/metrics',
      operationId: 'metrics',
      tag: 'operations',
      summary: 'Prometheus metrics',
      description:
        'Request rate and latency by route (`waakvlam_http_requests_total`, `waakvlam_http_request_duration_seconds`), trajectories started (`waakvlam_trajectories_started_total`), escalations raised by level (`waakvlam_escalations_raised_total`, counted by the worker of this process), and the process metrics. No ids of trajectories or people.',
      roles: 'public',
      responses: { 200: { description: 'Prometheus text exposition format.', schema: z.string(), contentType: 'text/plain' } },
      handler: async ({ res }) => {
        res.type(s.metrics.registry.contentType).send(await s.metrics.registry.metrics());
      },
    }),
    route({
      method: 'get',
      path: '/v1/openapi.json',
      operationId: 'openapi',
      tag: 'operations',
      summary: 'This API as an OpenAPI 3.1 document',
      roles: 'public',
      responses: { 200: { description: 'The document.', schema: z.record(z.string(), z.unknown()) } },
      handler: ({ res }) => {
        res.json(contract.openapi());
      },
    }),
    route({
      method: 'get',
      path: '/v1/docs',
      operationId: 'docs',
      tag: 'operations',
      summary: 'This API as a browsable page',
      roles: 'public',
      responses: { 200: { description: 'HTML.', schema: z.string(), contentType: 'text/html' } },
      handler: ({ res }) => {
        res.type('html').send(contract.docs());
      },
    }),
  ];
}

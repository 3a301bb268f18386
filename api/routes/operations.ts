/**
 * Operations: liveness and readiness (readiness checks the Temporal connection, within a deadline), the OpenAPI
 * document and its browsable page. All public: they carry no trajectory data. Metrics are not served here but on
 * their own port (`WAAKVLAM_METRICS_PORT`, see `api/metrics.ts`).
 */
import { z } from 'zod';
import { ProblemError } from '../problem.js';
import { route, type RouteSpec } from '../route.js';
import type { Services } from '../services.js';
import { HealthResponse } from '../schemas.js';

/**
 * How long readiness waits for the Temporal server: answered (200 or 503) within two seconds, whatever Temporal does.
 * Without a deadline, a call to a server that died or never answers is retried and waited on without end.
 */
export const READINESS_DEADLINE_MS = 1_500;

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
      description: `503 when the Temporal server does not answer within ${READINESS_DEADLINE_MS} ms.`,
      roles: 'public',
      errors: [503],
      responses: { 200: { description: 'Ready.', schema: HealthResponse } },
      handler: async ({ res }) => {
        const connection = s.client.connection;
        try {
          await connection.withDeadline(Date.now() + READINESS_DEADLINE_MS, () => connection.workflowService.getSystemInfo({}));
        } catch (err) {
          s.logger.warn({ err: String(err) }, 'readiness: Temporal unreachable');
          throw new ProblemError('service-unavailable', 'the Temporal server is not reachable');
        }
        res.json({ status: 'ok', temporal: 'reachable' });
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

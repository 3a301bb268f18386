/**
 * Operations: liveness and readiness (readiness checks the Temporal connection, within a deadline), the OpenAPI
 * document and its browsable page with the page's assets. All public: they carry no trajectory data. Metrics are not
 * served here but on their own port (`WAAKVLAM_METRICS_PORT`, see `runtime/metrics.ts`).
 */
import { z } from 'zod';
import { DOCS_ASSETS, DOCS_CSP, SWAGGER_UI_VERSION } from '../docs.js';
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
        res.json({ status: 'ok' } satisfies z.output<typeof HealthResponse>);
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
      errors: { 503: `The Temporal server did not answer within ${READINESS_DEADLINE_MS} ms.` },
      responses: { 200: { description: 'Ready.', schema: HealthResponse } },
      handler: async ({ res }) => {
        const connection = s.client.connection;
        try {
          await connection.withDeadline(Date.now() + READINESS_DEADLINE_MS, () => connection.workflowService.getSystemInfo({}));
        } catch (err) {
          s.logger.warn({ err: String(err) }, 'readiness: Temporal unreachable');
          throw new ProblemError('service-unavailable', 'the Temporal server is not reachable');
        }
        res.json({ status: 'ok', temporal: 'reachable' } satisfies z.output<typeof HealthResponse>);
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
      description: `Swagger UI ${SWAGGER_UI_VERSION} on this document, its files served from this origin (\`/v1/docs/assets/\`) under a Content-Security-Policy that allows nothing from elsewhere.`,
      roles: 'public',
      responses: { 200: { description: 'HTML.', schema: z.string(), contentType: 'text/html' } },
      handler: ({ res }) => {
        res.set('content-security-policy', DOCS_CSP).type('html').send(contract.docs());
      },
    }),
    route({
      method: 'get',
      path: '/v1/docs/assets/:file',
      operationId: 'docsAsset',
      tag: 'operations',
      summary: "The browsable page's scripts and stylesheet",
      roles: 'public',
      params: z.strictObject({
        file: z
          .string()
          .regex(/^[A-Za-z0-9._-]+$/, 'is not a file name')
          .meta({ description: `One of ${Object.keys(DOCS_ASSETS).map((f) => `\`${f}\``).join(', ')} (404 otherwise).`, examples: ['swagger-ui.css'] }),
      }),
      responses: { 200: { description: 'The file (`text/css` or `text/javascript`).', schema: z.string(), contentType: 'text/*' } },
      handler: async ({ params, res }) => {
        const file = Object.hasOwn(DOCS_ASSETS, params.file) ? DOCS_ASSETS[params.file] : undefined;
        if (!file) throw new ProblemError('not-found', `no documentation asset ${params.file}`);
        res.set('content-security-policy', DOCS_CSP);
        // Revalidated on each load (ETag): a new version of Swagger UI is seen at once.
        await new Promise<void>((resolve, reject) => res.sendFile(file, { headers: { 'cache-control': 'no-cache' } }, (err) => (err ? reject(err) : resolve())));
      },
    }),
  ];
}

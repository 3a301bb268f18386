/**
 * The image's healthcheck: `node dist/entrypoints/healthcheck.js api|worker` exits 0 when the process of that kind in
 * this container is healthy, 1 otherwise (saying why on stderr).
 *
 * - `api`: `GET /v1/health/ready` on `PORT` (default 3000): the API answers and reaches Temporal.
 * - `worker`: `GET /health` on `WAAKVLAM_METRICS_PORT` (required for a worker's healthcheck): the worker polls its
 *   task queue (not before it started, not while it drains).
 *
 * It reads the same environment as the process it checks, with no other configuration, and gives up after 4 s.
 */
import { HEALTH_PATH } from '../runtime/metrics.js';

const TIMEOUT_MS = 4_000;

function target(kind: string | undefined, env: NodeJS.ProcessEnv): string {
  if (kind === 'api') return `http://127.0.0.1:${env.PORT || '3000'}/v1/health/ready`;
  if (kind === 'worker') {
    if (!env.WAAKVLAM_METRICS_PORT) throw new Error('WAAKVLAM_METRICS_PORT is not set: a worker answers its health there');
    return `http://127.0.0.1:${env.WAAKVLAM_METRICS_PORT}${HEALTH_PATH}`;
  }
  throw new Error(`usage: healthcheck api|worker (got ${kind ?? 'nothing'})`);
}

async function main(): Promise<void> {
  const url = target(process.argv[2], process.env);
  const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) }).catch((err: unknown) => {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`${url}: ${cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err))}`);
  });
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
}

main().catch((err: unknown) => {
  console.error(`unhealthy: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

/**
 * Readiness when Temporal does not answer: `GET /v1/health/ready` is a 503 problem+json, not a request that hangs.
 * Two real servers that do not answer: a TCP listener that accepts connections and never speaks gRPC, and a dev
 * server that stopped after the app had been ready.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { Client, Connection } from '@temporalio/client';
import { createDevServerEnv } from './helpers/temporal.js';
import { shipped } from './helpers/definitions.js';
import { expectProblem, testApp } from './helpers/api.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** The readiness answer, or a failure naming the hang when none comes within `ms`. */
async function ready(app: ReturnType<typeof testApp>, ms = 10_000): Promise<request.Response> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`GET /v1/health/ready gave no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([request(app).get('/v1/health/ready').then((res) => res), hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** A TCP server that accepts every connection and never sends a byte. */
async function silentListener(): Promise<{ address: string; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { address: `127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

describe('readiness when Temporal does not answer', () => {
  it('answers 503 problem+json, not a hang, when the frontend accepts connections but never answers', { timeout: 30_000 }, async () => {
    const { address } = await silentListener();
    const connection = Connection.lazy({ address });
    cleanups.push(() => connection.close());
    const app = testApp(new Client({ connection }), shipped, 'nowhere');
    const res = await ready(app);
    expectProblem(res, 503, 'service-unavailable');
    // Liveness stays the process's own answer.
    await request(app).get('/v1/health/live').expect(200, { status: 'ok' });
  });

  it('answers 503 problem+json, not a hang, once the dev server it was ready against has stopped', { timeout: 90_000 }, async () => {
    const env = await createDevServerEnv();
    let stopped = false;
    cleanups.push(async () => {
      if (!stopped) await env.teardown();
    });
    // The app's own connection (the environment's closes with it), as `npm run api` holds one.
    const connection = await Connection.connect({ address: env.address });
    cleanups.push(() => connection.close());
    const app = testApp(new Client({ connection }), shipped, 'nowhere');
    expect((await ready(app)).status).toBe(200);

    await env.teardown();
    stopped = true;
    expectProblem(await ready(app), 503, 'service-unavailable');
    expectProblem(await ready(app), 503, 'service-unavailable');
  });
});

/**
 * Graceful shutdown of the HTTP server: a request that is running when the shutdown begins still gets its answer;
 * new connections are refused; a request that outlives the grace period is cut off.
 */
import express from 'express';
import { describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { closeServer, listen } from '../api/listen.js';

function slowApp(ms: number) {
  const app = express();
  app.get('/slow', async (_req, res) => {
    await new Promise((r) => setTimeout(r, ms));
    res.json({ done: true });
  });
  return app;
}

describe('graceful shutdown', () => {
  it('lets a running request finish, then refuses new connections', async () => {
    const server = await listen(slowApp(500), 0, '127.0.0.1');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`;
    const running = fetch(url).then(async (r) => ({ status: r.status, body: await r.json() }));
    await new Promise((r) => setTimeout(r, 100)); // the request is in the handler now
    const closed = closeServer(server, 5_000);
    expect(await running).toEqual({ status: 200, body: { done: true } });
    await closed;
    await expect(fetch(url)).rejects.toThrow();
  });

  it('cuts off a request that outlives the grace period', async () => {
    const server = await listen(slowApp(5_000), 0, '127.0.0.1');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`;
    const running = fetch(url).then(
      () => 'answered',
      () => 'cut off',
    );
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await closeServer(server, 300);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await running).toBe('cut off');
  });
});

import type { Server } from 'node:http';
import type { Express } from 'express';

/** Starts listening and resolves with the server once bound (rejects on e.g. a port in use). */
export function listen(app: Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

/**
 * Graceful shutdown: stops accepting connections, lets running requests finish, and resolves when the last one is
 * done, or after `graceMs` (default 10 000 ms), when the connections still open are closed.
 */
export function closeServer(server: Server, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    // Idle keep-alive sockets would hold close() open until they time out: close them now, and each connection as
    // soon as its running request is answered.
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    server.close(() => {
      clearTimeout(timer);
      clearInterval(idle);
      resolve();
    });
    server.closeIdleConnections();
  });
}

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

/**
 * Connections to Temporal for the client (API) and the worker, from one {@link TemporalConfig}.
 */
import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { TemporalConfig } from './config.js';

function connectionOptions(cfg: TemporalConfig & { address: string }): ConnectionOptions & NativeConnectionOptions {
  const tls = cfg.tls
    ? {
        serverNameOverride: cfg.tls.serverName,
        serverRootCACertificate: cfg.tls.caPath ? readFileSync(cfg.tls.caPath) : undefined,
        clientCertPair:
          cfg.tls.certPath && cfg.tls.keyPath
            ? { crt: readFileSync(cfg.tls.certPath), key: readFileSync(cfg.tls.keyPath) }
            : undefined,
      }
    : undefined;
  return { address: cfg.address, tls, apiKey: cfg.apiKey };
}

/** A Temporal client for the API, with its connection (for operator calls and closing). */
export async function connectClient(cfg: TemporalConfig & { address: string }): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect(connectionOptions(cfg));
  return { client: new Client({ connection, namespace: cfg.namespace }), connection };
}

/** A native connection for the worker. */
export function connectWorker(cfg: TemporalConfig & { address: string }): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(cfg));
}

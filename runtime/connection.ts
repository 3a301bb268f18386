/**
 * Connections to Temporal from one {@link TemporalConfig}: the client's (API, operator calls) here, the worker's
 * native connection with the worker (`connectWorker` in worker/runtime.ts, which loads the worker package).
 */
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { TemporalConfig } from './config.js';
import { dataConverter } from './data-converter.js';
import type { KeyRing } from './keys.js';

/**
 * The options of a connection to the frontend at `cfg.address`: TLS (certificate files read now) and the API key. Fit
 * for the client's connection and for the worker's native one.
 */
export function connectionOptions(cfg: TemporalConfig & { address: string }) {
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

/**
 * A Temporal client for the API, with its connection (for operator calls and closing): every payload it writes is
 * encrypted with `keyRing`'s keys, and what it reads decrypted (runtime/data-converter.ts).
 */
export async function connectClient(cfg: TemporalConfig & { address: string }, keyRing: KeyRing): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect(connectionOptions(cfg));
  return { client: new Client({ connection, namespace: cfg.namespace, dataConverter: dataConverter(keyRing) }), connection };
}

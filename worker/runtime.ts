/**
 * What a process that runs a worker (`npm run worker`, `npm start`) needs of the Temporal SDK besides the worker
 * itself: its runtime (logging, signals) and the worker's native connection. Here, not in runtime/, because both
 * load the worker package (`@temporalio/worker`), which the API process does without.
 */
import type { Logger } from 'pino';
import { DefaultLogger, NativeConnection, Runtime, type LogLevel } from '@temporalio/worker';
import type { TemporalConfig } from '../runtime/config.js';
import { connectionOptions } from '../runtime/connection.js';

const TEMPORAL_TO_PINO: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Installs the Temporal SDK runtime for a Waakvlam process:
 * - the SDK's own logs (worker state, workflow bundling) go into the pino `logger` at `level` and above (default
 *   `WARN`), so the process writes one JSON log stream;
 * - the SDK installs no signal handlers: the process shuts its parts down itself, in order.
 * Call once per process, before creating workers.
 */
export function installTemporalRuntime(logger: Logger, level: LogLevel = 'WARN'): void {
  const child = logger.child({ component: 'temporal-sdk' });
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger(level, (entry) => {
      const { sdkComponent, taskQueue } = (entry.meta ?? {}) as { sdkComponent?: string; taskQueue?: string };
      child[TEMPORAL_TO_PINO[entry.level]]({ sdkComponent, taskQueue }, entry.message);
    }),
  });
}

/**
 * A native connection for the worker to the Temporal frontend at `cfg.address` (TLS and API key from `cfg`, as the
 * client's: `connectClient` in runtime/connection.ts). Rejects when the frontend cannot be reached.
 */
export function connectWorker(cfg: TemporalConfig & { address: string }): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(cfg));
}

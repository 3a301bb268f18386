/** The process logger: JSON lines on stdout (pino). Log references and ids, never personal data. */
import { pino, type Logger } from 'pino';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

/** Log text without case references: a trajectory id keeps its municipality, the case reference is dropped. */
export function scrub(text: string): string {
  return text.replace(/\b(GM\d{4})-[A-Za-z0-9._-]+/g, '$1-<case>');
}

export function createLogger(level: string, name = 'waakvlam'): Logger {
  return pino({ name, level, base: { service: name } });
}

const TEMPORAL_TO_PINO: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Installs the Temporal SDK runtime for a Waakvlam process:
 * - the SDK's own logs (worker state, workflow bundling) go into the pino logger at `warn` and above, so the process
 *   writes one JSON log stream;
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

/**
 * `npm run worker`: the worker alone, against TEMPORAL_ADDRESS (production: one or more of these beside the API).
 * SIGINT/SIGTERM drain it: running tasks finish, then the process exits.
 */
import { loadConfig, ConfigError, metricsAddress, requiredKeyRing } from '../runtime/config.js';
import { connectClient } from '../runtime/connection.js';
import { createLogger } from '../runtime/logger.js';
import { ensureSearchAttributes } from '../runtime/search-attributes.js';
import type { Worker } from '@temporalio/worker';
import { activityDepsFrom, createWorker } from '../worker/worker.js';
import { connectWorker, installTemporalRuntime } from '../worker/runtime.js';
import { closeMetricsServer, createMetrics, serveMetrics } from '../runtime/metrics.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'waakvlam-worker');
  installTemporalRuntime(logger);
  const address = config.temporal.address;
  if (!address) throw new ConfigError('invalid configuration:\n  TEMPORAL_ADDRESS: required for a standalone worker');
  const temporal = { ...config.temporal, address };
  const keyRing = requiredKeyRing(config, 'a standalone worker');

  // Escalations that reach nobody would be silent: say so at start (the compose file refuses to start without them).
  const { directoryFile, webhook, email } = config.notifications;
  if (!webhook && !email) logger.warn('no notification channel (SMTP_URL, WAAKVLAM_WEBHOOK_URL): escalations reach nobody');
  else if (email && !directoryFile) logger.warn('SMTP_URL without WAAKVLAM_DIRECTORY: nobody is e-mailed (no directory says who)');
  const operator = await connectClient(temporal, keyRing);
  const added = await ensureSearchAttributes(operator.connection, temporal.namespace);
  if (added.length) logger.info({ added }, 'registered search attributes');
  await operator.connection.close();

  // The worker counts escalations raised; with WAAKVLAM_METRICS_PORT it serves them (and its process metrics) on
  // WAAKVLAM_METRICS_HOST, default all interfaces.
  // Its `/health` answers 200 while the worker runs (polls its task queue), 503 before and while it drains.
  const metrics = createMetrics();
  const running: { worker?: Worker } = {};
  const metricsServer = await serveMetrics(metrics, metricsAddress(config, 'worker'), logger, () => running.worker?.getState() === 'RUNNING');
  const connection = await connectWorker(temporal);
  const worker = await createWorker({
    connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    keyRing,
    activityDeps: { ...activityDepsFrom(config.notifications), escalationsRaised: metrics.escalationsRaised },
  });
  running.worker = worker;
  let stopping = false;
  const stop = () => {
    if (stopping) return; // SIGINT then SIGTERM: one drain
    stopping = true;
    worker.shutdown();
    void closeMetricsServer(metricsServer);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  logger.info({ address, namespace: temporal.namespace, taskQueue: temporal.taskQueue, keys: config.keys!.variable }, 'worker running');
  await worker.run();
  await connection.close();
  logger.info('worker stopped');
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('waakvlam worker failed:', err);
  process.exit(1);
});

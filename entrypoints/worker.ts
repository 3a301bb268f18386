/**
 * `npm run worker`: the worker alone, against TEMPORAL_ADDRESS (production: one or more of these beside the API).
 * SIGINT/SIGTERM drain it: running tasks finish (activities get 30 s before they are cancelled), then it exits.
 */
import { loadConfig, ConfigError, metricsAddress, requireStandalone } from '../runtime/config.js';
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
  const { address, keyRing } = requireStandalone(config, 'worker');
  const temporal = { ...config.temporal, address };

  // Escalations that reach nobody would be silent: say so at start (the compose file refuses to start without them).
  const { directoryFile, webhook, email } = config.notifications;
  if (!webhook && !email) logger.warn('no notification channel (SMTP_URL, WAAKVLAM_WEBHOOK_URL): escalations reach nobody');
  else if (email && !directoryFile) logger.warn('SMTP_URL without WAAKVLAM_DIRECTORY: nobody is e-mailed (no directory says who)');
  // Kept open: the health answer asks the server through it.
  const operator = await connectClient(temporal, keyRing);
  const added = await ensureSearchAttributes(operator.connection, temporal.namespace);
  if (added.length) logger.info({ added }, 'registered search attributes');

  // The worker counts escalations raised; with WAAKVLAM_METRICS_PORT it serves them (and its process metrics) on
  // WAAKVLAM_METRICS_HOST, default all interfaces.
  // Its `/health` answers 200 while the worker runs, its pollers have not failed and the Temporal server answers (asked
  // at most every 5 s, within 1.5 s); 503 before it runs, while it drains, and while the server does not answer.
  const metrics = createMetrics();
  const running: { worker?: Worker } = {};
  let serverCheck = { at: 0, ok: false };
  const healthy = async (): Promise<boolean> => {
    const w = running.worker;
    if (!w || w.getState() !== 'RUNNING') return false;
    const { workflowPollerState, activityPollerState } = w.getStatus();
    if (workflowPollerState === 'FAILED' || activityPollerState === 'FAILED') return false;
    if (Date.now() - serverCheck.at > 5_000) {
      const ok = await operator.connection
        .withDeadline(Date.now() + 1_500, () => operator.connection.workflowService.getSystemInfo({}))
        .then(() => true, () => false);
      serverCheck = { at: Date.now(), ok };
    }
    return serverCheck.ok;
  };
  const metricsServer = await serveMetrics(metrics, metricsAddress(config, 'worker'), logger, healthy);
  const connection = await connectWorker(temporal);
  const worker = await createWorker({
    connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    keyRing,
    activityDeps: { ...activityDepsFrom(config.notifications), escalationsRaised: metrics.escalationsRaised },
    // SIGTERM lets running activities finish for 30 s before they are cancelled (compose waits 45 s).
    overrides: { shutdownGraceTime: '30s' },
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
  await Promise.all([connection.close(), operator.connection.close()]);
  logger.info('worker stopped');
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('waakvlam worker failed:', err);
  process.exit(1);
});

/**
 * `npm run api`: the HTTP API alone, against TEMPORAL_ADDRESS (production: beside one or more workers). With
 * WAAKVLAM_METRICS_PORT it serves its Prometheus metrics there (`GET /metrics`; not in the public API).
 * SIGINT/SIGTERM stop accepting connections, let running requests finish, then exit.
 */
import { loadConfig, ConfigError, metricsAddress, requireStandalone } from '../runtime/config.js';
import { connectClient } from '../runtime/connection.js';
import { createLogger } from '../runtime/logger.js';
import { configuredAppOptions, createApp } from '../api/app.js';
import { createAuthenticator } from '../api/auth.js';
import { closeServer, listen } from '../api/listen.js';
import { closeMetricsServer, createMetrics, serveMetrics } from '../runtime/metrics.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'waakvlam-api');
  const { address, keyRing } = requireStandalone(config, 'API');
  const auth = config.api.auth!;
  const { client, connection } = await connectClient({ ...config.temporal, address }, keyRing);
  const metrics = createMetrics();
  const app = createApp({ ...configuredAppOptions(config, keyRing), client, logger, authenticate: createAuthenticator(auth), metrics });
  const metricsServer = await serveMetrics(metrics, metricsAddress(config, 'api'), logger);
  const server = await listen(app, config.api.port, config.api.host);
  logger.info({ port: config.api.port, host: config.api.host }, 'API listening');
  if (auth.previousSecret) {
    // The variable's name only: nothing of either secret is logged.
    logger.info('WAAKVLAM_JWT_SECRET_PREVIOUS is set: tokens signed with the previous secret are still accepted; remove it once the case systems sign with WAAKVLAM_JWT_SECRET');
  }
  const stop = () => {
    logger.info('stopping: letting running requests finish');
    void Promise.all([closeServer(server), closeMetricsServer(metricsServer)])
      .then(() => connection.close())
      .then(() => {
        logger.info('API stopped');
        process.exit(0);
      });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('waakvlam API failed:', err);
  process.exit(1);
});

/**
 * `npm start`: one command that runs the whole engine locally.
 *
 * - Without TEMPORAL_ADDRESS: starts an embedded Temporal dev server (SQLite file under WAAKVLAM_DATA_DIR, Web UI,
 *   the engine's search attributes), then the worker and the HTTP API against it.
 * - With TEMPORAL_ADDRESS: connects to that server (namespace and TLS from the environment) and starts no server.
 *
 * Ctrl-C (SIGINT) or SIGTERM shuts down in order: stop accepting HTTP requests and let running ones finish, drain the
 * worker, then stop the dev server. A second signal exits at once.
 *
 * The embedded dev server is supervised: when it dies (a crash, or something killed it), nothing can work any more,
 * so the whole process stops and exits non-zero, saying what happened and what to do (a supervisor, or the person
 * who ran it, starts it again; the state in the SQLite file is kept). Metrics are served on WAAKVLAM_METRICS_PORT
 * when set (default interface 127.0.0.1), not in the API.
 */
import type { Server } from 'node:http';
import { configuredKeyRing, DEV_SECRET, developmentKeyRing, loadConfig, ConfigError, metricsAddress } from '../runtime/config.js';
import { connectClient } from '../runtime/connection.js';
import { describeExit, startDevServer, type RunningDevServer } from '../runtime/dev-server.js';
import { createLogger, scrub } from '../runtime/logger.js';
import { ensureSearchAttributes } from '../runtime/search-attributes.js';
import { activityDepsFrom, createWorker } from '../worker/worker.js';
import { connectWorker, installTemporalRuntime } from '../worker/runtime.js';
import { configuredAppOptions, createApp } from '../api/app.js';
import { createAuthenticator } from '../api/auth.js';
import { CODEC_PATH } from '../api/codec.js';
import { closeMetricsServer, createMetrics, serveMetrics } from '../runtime/metrics.js';
import { closeServer, listen } from '../api/listen.js';

/** How long stopping after a failure (the dev server or the worker died) may take before the process exits anyway. */
const FAILURE_STOP_MS = 5_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  installTemporalRuntime(logger);
  const stops: Array<() => Promise<void>> = [];
  let stopping = false;
  /** Stops every part in reverse order; after a signal, exits 0 when that went cleanly; after a failure, exits 1. */
  const shutdown = async (reason: 'SIGINT' | 'SIGTERM' | 'worker-failure' | 'dev-server-exit') => {
    const failure = reason !== 'SIGINT' && reason !== 'SIGTERM';
    if (stopping) {
      if (failure) return; // already stopping; the part that failed is being stopped with the rest
      logger.warn({ signal: reason }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ reason }, 'shutting down');
    // After a failure a part may hang on the missing server: exit regardless once the time is up.
    if (failure) setTimeout(() => process.exit(1), FAILURE_STOP_MS).unref();
    let clean = true;
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        clean = false;
        logger.error({ err: String(err) }, 'error during shutdown');
      }
    }
    if (failure) process.exit(1);
    console.log(clean ? 'Waakvlam stopped cleanly.' : 'Waakvlam stopped, with errors (see the log).');
    process.exit(clean ? 0 : 1);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  // The API's codec server, as the Web UI's browser reaches it (the embedded UI decodes through it).
  const codecEndpoint = `http://${!config.api.auth || config.api.host === '0.0.0.0' ? '127.0.0.1' : config.api.host}:${config.api.port}${CODEC_PATH}`;
  let devServer: RunningDevServer | undefined;
  let address = config.temporal.address;
  if (!address) {
    logger.info({ dbFile: config.devServer.dbFile }, 'starting the embedded Temporal dev server');
    // Its last lines, to log when it dies.
    const recent: string[] = [];
    devServer = await startDevServer({
      ...config.devServer,
      namespace: config.temporal.namespace,
      uiCodecEndpoint: codecEndpoint,
      onLog: (raw) => {
        const line = scrub(raw); // the server's lines name workflow ids: keep case references out of the log
        recent.push(line);
        if (recent.length > 20) recent.shift();
        logger.debug({ temporal: line }, 'temporal dev server');
      },
    }).catch((err: unknown) => {
      // Why it did not start is in its own last lines (a port taken, a locked database file): say them.
      if (recent.length && err instanceof Error) err.message += `\n  its last lines:\n    ${recent.join('\n    ')}`;
      throw err;
    });
    stops.push(() => devServer!.stop());
    address = devServer.address;
    const { pid, unexpectedExit } = devServer;
    void unexpectedExit.then((exit) => {
      logger.fatal({ pid, ...exit, lastLines: recent }, 'the embedded Temporal dev server stopped unexpectedly');
      if (stopping) return;
      console.error(
        [
          `Waakvlam is stopping: the embedded Temporal dev server stopped unexpectedly (${describeExit(exit)}).`,
          '  Nothing works without it, so the worker and the API stop too.',
          `  Its state is kept in ${config.devServer.dbFile}: run \`npm start\` again to go on where it stopped.`,
          '  If it stops again, its last lines are in the log (lastLines; LOG_LEVEL=debug logs all of them).',
        ].join('\n'),
      );
      void shutdown('dev-server-exit');
    });
  }
  const temporal = { ...config.temporal, address };

  // Without configured keys, the public development keys: whatever they encrypt anyone can read, so only on the
  // embedded dev server; a server of its own (TEMPORAL_ADDRESS) may hold real data and needs real keys.
  const configuredKeys = configuredKeyRing(config);
  if (!configuredKeys && config.temporal.address) {
    throw new ConfigError(
      'invalid configuration:\n  WAAKVLAM_KEYS_FILE or WAAKVLAM_KEYS: required with TEMPORAL_ADDRESS (the public development keys are for the embedded dev server only; `npm run keys -- --municipality GM0363` makes one)',
    );
  }
  const keyRing = configuredKeys ?? developmentKeyRing();
  if (!config.keys) {
    logger.warn('payloads are encrypted with the PUBLIC development keys (GMxxxx/development): never put real data in this server; set WAAKVLAM_KEYS_FILE or WAAKVLAM_KEYS');
  }
  const { client, connection } = await connectClient(temporal, keyRing);
  stops.push(() => connection.close());
  const added = await ensureSearchAttributes(connection, temporal.namespace);
  if (added.length) logger.info({ added }, 'registered search attributes');

  // One metrics registry for the API and the worker of this process (escalations raised are counted by the worker).
  const metrics = createMetrics();
  const workerConnection = await connectWorker(temporal);
  const worker = await createWorker({
    connection: workerConnection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    keyRing,
    activityDeps: { ...activityDepsFrom(config.notifications), escalationsRaised: metrics.escalationsRaised },
  });
  const workerRun = worker.run();
  stops.push(async () => {
    worker.shutdown();
    await workerRun;
    await workerConnection.close();
  });

  const devKey = !config.api.auth;
  if (devKey) logger.warn('authentication uses the PUBLIC local development key: never expose this API; set WAAKVLAM_JWT_SECRET or WAAKVLAM_JWKS_URL');
  const appOptions = configuredAppOptions(config, keyRing);
  // The embedded Web UI's origin (as 127.0.0.1 and as localhost) may call the codec server, besides the configured ones.
  const uiOrigins = devServer ? [new URL(devServer.uiUrl).origin, new URL(devServer.uiUrl.replace('//127.0.0.1:', '//localhost:')).origin] : [];
  const codec = { ...appOptions.codec, corsOrigins: [...new Set([...appOptions.codec.corsOrigins, ...uiOrigins])] };
  const app = createApp({ ...appOptions, codec, client, logger, authenticate: createAuthenticator(config.api.auth ?? { secret: DEV_SECRET }), metrics });
  // With the public development key, the API is reachable from this machine only, whatever HOST says.
  const host = devKey ? '127.0.0.1' : config.api.host;
  if (devKey && config.api.host !== '127.0.0.1') logger.warn({ host: config.api.host }, 'the development key is in use: listening on 127.0.0.1 only');
  const server: Server = await listen(app, config.api.port, host);
  stops.push(() => closeServer(server));
  const metricsAt = metricsAddress(config, 'start');
  const metricsServer = await serveMetrics(metrics, metricsAt, logger);
  stops.push(() => closeMetricsServer(metricsServer));

  const apiHost = host === '0.0.0.0' ? 'localhost' : host;
  const lines = [
    `Waakvlam is running`,
    `  API:             http://${apiHost}:${config.api.port}/v1  (health: /v1/health/ready)`,
    `  Temporal:        ${address} (namespace ${temporal.namespace}, task queue ${temporal.taskQueue})`,
    devServer ? `  Temporal Web UI: ${devServer.uiUrl}` : `  Temporal Web UI: the one of your Temporal server`,
    devServer ? `  State:           ${config.devServer.dbFile}` : '',
    `  API docs:        http://${apiHost}:${config.api.port}/v1/docs`,
    `  Codec server:    ${codecEndpoint}  (the Web UI decodes through it: sign in at ${codecEndpoint}/login)`,
    metricsAt ? `  Metrics:         http://${metricsAt.host === '0.0.0.0' ? 'localhost' : metricsAt.host}:${metricsAt.port}/metrics` : '',
    devKey
      ? ''
      : `  Tokens:          verified with ${config.api.auth!.jwksUrl ? 'the configured JWKS' : `WAAKVLAM_JWT_SECRET${config.api.auth!.previousSecret ? ' (and WAAKVLAM_JWT_SECRET_PREVIOUS: a key rotation)' : ''}`}`,
    `Press Ctrl-C to stop.`,
  ].filter(Boolean);
  if (devKey) {
    lines.push(
      '',
      '!!! AUTHENTICATION USES THE PUBLIC LOCAL DEVELOPMENT KEY: anyone can mint a token. Local use only. !!!',
      '!!! Set WAAKVLAM_JWT_SECRET or WAAKVLAM_JWKS_URL for anything else.                              !!!',
      '    A token for trying it out: npm run --silent token -- --role case-system --municipality GM0363',
    );
  }
  if (!config.keys) {
    lines.push(
      '',
      '!!! PAYLOADS ARE ENCRYPTED WITH PUBLIC DEVELOPMENT ENCRYPTION KEYS: anyone can decrypt them. Local use only. !!!',
      '!!! Set WAAKVLAM_KEYS_FILE or WAAKVLAM_KEYS for anything else (npm run --silent keys -- --municipality GM0363). !!!',
    );
  }
  // Printed plainly (not as JSON) so a person starting the engine sees where things are.
  console.log(lines.join('\n'));

  workerRun.catch((err: unknown) => {
    logger.fatal({ err: String(err) }, 'the worker stopped unexpectedly');
    void shutdown('worker-failure');
  });
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('waakvlam failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});

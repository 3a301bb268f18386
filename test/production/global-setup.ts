/**
 * The production suite's environment, started once for all its files (`npm run test:production`): the deployment a
 * municipality runs, as `npm run production-like` starts it:
 * - PostgreSQL, the Temporal server built from the vendor's Go module on it (SQL persistence and visibility), the
 *   namespace, the Web UI (scripts/production-like.ts);
 * - the Dockerfile rehearsed (scripts/image.ts): the compiled build with production dependencies only;
 * - the Waakvlam services of docker-compose.yml as local processes (two workers, the API), configured by compose from
 *   an `.env` made of deploy/env.example, with real receivers for what they send: an HTTP webhook receiver and an
 *   SMTP server, both in this process, whose catch the tests read over HTTP (the inspector).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { stringify } from 'yaml';
import { loadCompose } from '../../scripts/compose.js';
import { cacheDir } from '../../scripts/temporal-binaries.js';
import { productionLikeOptionsFromCompose, startComposeWaakvlam, startProductionLike, stopProductionLike } from '../../scripts/production-like.js';
import { MailServer, WebhookReceiver } from '../helpers/receivers.js';
import { freePort } from '../helpers/process.js';
import { PRODUCTION_DIRECTORY, PRODUCTION_WEBHOOK_SECRET, type ProductionContext } from './context.js';

const root = resolve(import.meta.dirname, '../..');
const log = (line: string) => console.log(`[production] ${line}`);

declare module 'vitest' {
  export interface ProvidedContext {
    production: ProductionContext;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const scratch = mkdtempSync(join(tmpdir(), 'waakvlam-production-'));
  const receiver = new WebhookReceiver();
  const mail = new MailServer();
  await Promise.all([receiver.start(), mail.start()]);
  const inspector = await serveInspector(receiver, mail);

  // The operator's .env: deploy/env.example filled in, as a municipality's engineer fills it in. Ports away from
  // `npm start`'s and other tests'.
  const [apiPort, temporalPort, uiPort] = [await freePort(), 27233, await freePort()];
  const secret = `production-suite-${Math.random().toString(36).slice(2)}-0123456789abcdef`;
  const directoryFile = join(scratch, 'directory.yaml');
  writeFileSync(directoryFile, stringify(PRODUCTION_DIRECTORY));
  // The key file, as `npm run keys` makes one: a random key for each municipality the suite's trajectories belong to,
  // made once and kept beside the environment's database (which keeps the trajectories of earlier runs, and with
  // them payloads only these keys decrypt).
  const keysFile = join(cacheDir(), 'production-like', 'suite-keys.yaml');
  if (!existsSync(keysFile)) {
    const key = () => randomBytes(32).toString('base64');
    mkdirSync(dirname(keysFile), { recursive: true });
    writeFileSync(
      keysFile,
      stringify({ municipalities: Object.fromEntries(['GM0363', 'GM0599', 'GM0014'].map((m) => [m, { current: 'suite', keys: { suite: key() } }])) }),
      { mode: 0o600 },
    );
  }
  const values: Record<string, string> = {
    POSTGRES_PASSWORD: `suite-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`,
    TEMPORAL_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(uiPort),
    WAAKVLAM_API_PORT: String(apiPort),
    WAAKVLAM_JWT_SECRET: secret,
    WAAKVLAM_DIRECTORY_FILE: directoryFile,
    WAAKVLAM_KEYS_FILE_HOST: keysFile,
    WAAKVLAM_WEBHOOK_URL: receiver.url,
    WAAKVLAM_WEBHOOK_SECRET: PRODUCTION_WEBHOOK_SECRET,
    SMTP_URL: `smtp://127.0.0.1:${mail.port}`,
    LOG_LEVEL: 'warn',
  };
  let envText = readFileSync(join(root, 'deploy/env.example'), 'utf8');
  for (const [k, v] of Object.entries(values)) envText = envText.replace(new RegExp(`^${k}=.*$`, 'm'), `${k}=${v}`);
  const envFile = join(scratch, '.env');
  writeFileSync(envFile, envText, { mode: 0o600 });
  const compose = loadCompose({ envFile, env: {}, log });
  if (!compose.ok) throw new Error(`docker-compose.yml with the suite's .env: ${compose.error}`);

  const environment = await startProductionLike({ ...productionLikeOptionsFromCompose(compose.project), log });
  const environmentSeconds = (Date.now() - started) / 1000;
  const specs = await startComposeWaakvlam(environment, compose.project, log);
  const total = (Date.now() - started) / 1000;
  log(`environment ${environmentSeconds.toFixed(1)} s${environment.alreadyRunning ? ' (found running)' : ''}; ready with Waakvlam in ${total.toFixed(1)} s`);

  project.provide('production', {
    api: `http://127.0.0.1:${apiPort}`,
    secret,
    temporal: environment.addresses.temporal,
    namespace: environment.addresses.namespace,
    retention: environment.addresses.retention,
    ui: environment.addresses.ui,
    passwordFile: environment.addresses.postgres.passwordFile,
    inspector,
    cacheRoot: environment.settings.cacheRoot,
    envFile,
    processes: specs.map(({ ready: _ready, ...spec }) => spec),
  });

  return async () => {
    if (process.env.WAAKVLAM_PRODUCTION_KEEP !== '1') await stopProductionLike({ cacheRoot: environment.settings.cacheRoot, log });
    await Promise.all([receiver.stop(), mail.stop(), new Promise<void>((r) => inspectorServer?.close(() => r()))]);
    rmSync(scratch, { recursive: true, force: true });
  };
}

let inspectorServer: Server | undefined;

/** What the receivers caught, for the test files (other processes): GET /webhooks, GET /mails. */
async function serveInspector(receiver: WebhookReceiver, mail: MailServer): Promise<string> {
  inspectorServer = createServer((req, res) => {
    const body = req.url === '/webhooks' ? receiver.accepted() : req.url === '/mails' ? mail.messages : undefined;
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => inspectorServer!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(inspectorServer.address() as AddressInfo).port}`;
}

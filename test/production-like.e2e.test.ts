/**
 * The production-like environment (scripts/production-like.ts, #11 point 4): PostgreSQL, the Temporal server built
 * from the vendor's Go module with SQL visibility, the namespace with its retention, the Web UI.
 *
 * The versions it builds are the compose file's (always checked). The environment itself starts only with
 * WAAKVLAM_PRODUCTION_LIKE=1: its first start builds the server (minutes) and needs Debian's PostgreSQL. With a
 * compiled build (`npm run build`), the two workers and the API run on it too, and a trajectory goes through.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { signToken } from '../api/auth.js';
import { ensureSearchAttributes } from '../runtime/search-attributes.js';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import {
  compiledEntryPoints,
  compiledWaakvlamSpecs,
  composeImageDefaults,
  fileMode,
  retentionSeconds,
  startProductionLike,
  startWaakvlamProcesses,
  TEMPORAL_SERVER_VERSION,
  TEMPORAL_UI_VERSION,
  type ManagedProcess,
  type ProductionLike,
} from '../scripts/production-like.js';

const repo = join(import.meta.dirname, '..');

describe('production-like versions', () => {
  it('builds the versions of the compose file', () => {
    const tags = composeImageDefaults(readFileSync(join(repo, 'docker-compose.yml'), 'utf8'));
    expect(`v${tags.TEMPORAL_VERSION}`).toBe(TEMPORAL_SERVER_VERSION);
    expect(`v${tags.TEMPORAL_UI_VERSION}`).toBe(TEMPORAL_UI_VERSION);
  });

  it('reads retentions as compose writes them', () => {
    expect(retentionSeconds('90d')).toBe(90 * 86400);
    expect(retentionSeconds('36h')).toBe(36 * 3600);
    expect(() => retentionSeconds('90 days')).toThrow(/TEMPORAL_RETENTION/);
  });
});

describe.skipIf(process.env.WAAKVLAM_PRODUCTION_LIKE !== '1')('production-like environment', () => {
  let env: ProductionLike;
  let connection: Connection;
  let startSeconds = 0;
  const waakvlam: ManagedProcess[] = [];

  beforeAll(async () => {
    const started = Date.now();
    env = await startProductionLike({ log: (line) => console.log(`[production-like] ${line}`) });
    startSeconds = (Date.now() - started) / 1000;
    console.log(`[production-like] start took ${startSeconds.toFixed(1)} s${env.alreadyRunning ? ' (found running)' : ''}`);
    connection = await Connection.connect({ address: env.addresses.temporal });
  }, 1_200_000);

  afterAll(async () => {
    await connection?.close();
    // A found environment is left as found: only what this file started goes.
    if (env?.alreadyRunning) for (const p of waakvlam) process.kill(p.pid, 'SIGTERM');
    await env?.stop();
  }, 120_000);

  it('keeps the database password in a file of mode 0600', () => {
    expect(fileMode(env.addresses.postgres.passwordFile)).toBe(0o600);
  });

  it('has the namespace with the retention of the compose file', async () => {
    const described = await connection.workflowService.describeNamespace({ namespace: env.addresses.namespace });
    expect(Number(described.config?.workflowExecutionRetentionTtl?.seconds)).toBe(retentionSeconds(env.addresses.retention));
  });

  it('runs the server version the compose file names, on SQL persistence', async () => {
    const info = await connection.workflowService.getSystemInfo({});
    expect(`v${info.serverVersion}`).toBe(TEMPORAL_SERVER_VERSION);
    const cluster = await connection.operatorService.listClusters({});
    expect(cluster.clusters?.length).toBeGreaterThan(0);
  });

  it('answers visibility queries on the engine search attributes (SQL visibility on PostgreSQL)', async () => {
    const namespace = env.addresses.namespace;
    await ensureSearchAttributes(connection, namespace);
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    for (const key of ALL_SEARCH_ATTRIBUTES) expect(Object.keys(listed.customAttributes ?? {})).toContain(key.name);

    // The frontend learns of new attributes when it refreshes its namespace cache (seconds): ask until it knows.
    const client = new Client({ connection, namespace });
    const query = 'WaakvlamMunicipality = "GM0363" AND WaakvlamOpenSteps > 0 AND WaakvlamNextDeadline < "2100-01-01T00:00:00Z"';
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const { count } = await client.workflow.count(query);
        expect(count).toBeGreaterThanOrEqual(0);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }, 120_000);

  it('serves the Web UI, pointed at the server', async () => {
    const res = await fetch(`${env.addresses.ui}/api/v1/namespaces/${env.addresses.namespace}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { namespaceInfo?: { name?: string } };
    expect(body.namespaceInfo?.name).toBe(env.addresses.namespace);
  });

  const entry = compiledEntryPoints();
  it.skipIf(!entry)('runs the compiled workers and API on it: a trajectory starts and is listed (visibility)', async () => {
    const specs = compiledWaakvlamSpecs(env, entry!);
    waakvlam.push(...(await startWaakvlamProcesses(env, specs, (line) => console.log(`[production-like] ${line}`))));
    const api = specs.find((p) => p.name === 'waakvlam-api')!;
    const base = `http://127.0.0.1:${api.env.PORT}/v1`;
    const token = await signToken(api.env.WAAKVLAM_JWT_SECRET!, { subject: 'regisseur-1', municipality: 'GM0363', role: 'case-system' });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const caseRef = `PL-${Date.now()}`;
    const started = await fetch(`${base}/trajectories`, { method: 'POST', headers, body: JSON.stringify({ caseRef }) });
    expect(started.status).toBe(201);
    const { id } = (await started.json()) as { id: string };
    const deadline = Date.now() + 30_000;
    for (;;) {
      const list = (await (await fetch(`${base}/trajectories?status=open`, { headers })).json()) as { items?: { id: string }[] };
      if (list.items?.some((t) => t.id === id)) break;
      if (Date.now() > deadline) throw new Error(`${id} not listed: ${JSON.stringify(list)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const state = (await (await fetch(`${base}/trajectories/${id}`, { headers })).json()) as { status?: string; openSteps?: unknown[] };
    expect(state.status).toBe('open');
    expect(state.openSteps?.length).toBeGreaterThan(0);
  }, 180_000);
});

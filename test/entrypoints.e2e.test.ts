/**
 * The production entry points as an operator runs them against an external Temporal server (a dev server here):
 * `npm run worker` runs trajectories and serves its metrics on WAAKVLAM_METRICS_PORT; `npm run api` serves its
 * metrics there too (not in the public API), and refuses to start without a key to verify tokens.
 */
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateDefinition } from '../definitions/validate.js';
import { getStateQuery, trajectoryWorkflow } from '../workflows/trajectory.js';
import { freePort, startNpm, type StartedProcess } from './helpers/process.js';
import { testKeysEnv, uniqueId, useTemporal } from './helpers/temporal.js';

const root = resolve(import.meta.dirname, '..');
const temporal = useTemporal({ bundle: false });
const running: StartedProcess[] = [];

// Before the server stops (afterAll hooks run last registered first).
afterAll(async () => {
  for (const p of running) await p.interrupt(5_000);
});

describe('production entry points', () => {
  it('npm run worker runs trajectories and serves the escalations it raised as Prometheus metrics', { timeout: 120_000 }, async () => {
    const taskQueue = uniqueId('worker');
    const metricsPort = await freePort();
    const worker = startNpm(
      'worker',
      { ...process.env, TEMPORAL_ADDRESS: temporal.env.address, TEMPORAL_TASK_QUEUE: taskQueue, WAAKVLAM_METRICS_PORT: String(metricsPort), LOG_LEVEL: 'info', WAAKVLAM_KEYS: await testKeysEnv(['GM0599']) },
      root,
    );
    running.push(worker);
    await worker.waitFor('worker running');

    const definition = validateDefinition(
      {
        id: 'snel',
        version: 1,
        name: 'Snel',
        roles: [{ id: 'regisseur', name: 'Regisseur' }],
        escalationPolicies: { direct: { levels: [{ role: 'owner', after: 'PT0S' }] } },
        defaultEscalationPolicy: 'direct',
        phases: [{ id: 'a', name: 'A', start: 'x', nodes: [{ id: 'x', type: 'userTask', owner: 'regisseur', due: 'PT1S', next: 'e' }, { id: 'e', type: 'end' }] }],
      },
      { activities: [] },
    );
    if (!definition.ok) throw new Error(JSON.stringify(definition.problems));
    const handle = await temporal.client.workflow.start(trajectoryWorkflow, {
      workflowId: uniqueId('GM0599-WORKER'),
      taskQueue,
      args: [{ caseRef: 'WORKER-1', municipality: 'GM0599', definition: definition.definition }],
    });
    let escalations = 0;
    for (let i = 0; i < 100 && escalations === 0; i++) {
      await new Promise((r) => setTimeout(r, 150));
      escalations = (await handle.query(getStateQuery)).escalations.length;
    }
    expect(escalations).toBe(1);

    let text = '';
    for (let i = 0; i < 50 && !text.includes('level="0"'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics?scrape=1`)).text();
    }
    expect(text).toMatch(/waakvlam_escalations_raised_total\{level="0",municipality="GM0599"\} 1/);
    expect(text).toMatch(/process_cpu_user_seconds_total/);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/other`)).status).toBe(404);

    const exit = await worker.interrupt();
    expect(exit.code === 0 || exit.signal === 'SIGINT').toBe(true);
    expect(worker.output()).toContain('worker stopped');
    await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
  });

  it('npm run api serves its metrics on WAAKVLAM_METRICS_PORT and WAAKVLAM_METRICS_HOST, not in the public API', async () => {
    const [apiPort, metricsPort] = await Promise.all([freePort(), freePort()]);
    const api = startNpm('api', {
      ...process.env,
      TEMPORAL_ADDRESS: temporal.env.address,
      PORT: String(apiPort),
      HOST: '127.0.0.1',
      WAAKVLAM_JWT_SECRET: 'a-configured-secret-of-at-least-32-characters',
      WAAKVLAM_JWKS_URL: '',
      WAAKVLAM_METRICS_PORT: String(metricsPort),
      WAAKVLAM_METRICS_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      WAAKVLAM_KEYS: await testKeysEnv(['GM0363']),
    }, root);
    running.push(api);
    await api.waitFor('API listening');
    expect(api.output()).toContain('metrics listening');

    expect((await fetch(`http://127.0.0.1:${apiPort}/v1/health/live`)).status).toBe(200);
    const hidden = await fetch(`http://127.0.0.1:${apiPort}/v1/metrics`);
    expect(hidden.status).toBe(404);
    expect(hidden.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const doc = (await (await fetch(`http://127.0.0.1:${apiPort}/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).not.toContain('/v1/metrics');

    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).toMatch(/waakvlam_http_requests_total\{method="GET",route="\/v1\/health\/live",status="200"\} 1/);
    expect(text).toMatch(/process_cpu_user_seconds_total/);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/v1/metrics`)).status).toBe(404);

    const exit = await api.interrupt();
    expect(exit.code === 0 || exit.signal === 'SIGINT').toBe(true);
    expect(api.output()).toContain('API stopped');
    await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
  });

  it('npm run api refuses to start without a key to verify tokens, naming the variables', async () => {
    const api = startNpm('api', { ...process.env, TEMPORAL_ADDRESS: temporal.env.address, PORT: String(await freePort()), WAAKVLAM_JWT_SECRET: '', WAAKVLAM_JWKS_URL: '' }, root);
    running.push(api);
    const exit = await new Promise<number | null>((resolve) => api.child.once('exit', (code) => resolve(code)));
    expect(exit).toBe(1);
    expect(api.output()).toMatch(/WAAKVLAM_JWT_SECRET or WAAKVLAM_JWKS_URL: required for a standalone API/);
  });

  it('npm run worker and npm run api refuse to start without encryption keys, naming the variables', async () => {
    const env = { ...process.env, TEMPORAL_ADDRESS: temporal.env.address, PORT: String(await freePort()), WAAKVLAM_JWT_SECRET: 'a-configured-secret-of-at-least-32-characters', WAAKVLAM_KEYS: '', WAAKVLAM_KEYS_FILE: '' };
    for (const script of ['worker', 'api'] as const) {
      const started = startNpm(script, env, root);
      running.push(started);
      const exit = await new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
      expect(exit).toBe(1);
      expect(started.output()).toMatch(new RegExp(`WAAKVLAM_KEYS_FILE or WAAKVLAM_KEYS: required for a standalone ${script === 'worker' ? 'worker' : 'API'}`));
    }
  });
});

/**
 * `npm start` as a person runs it: the embedded dev server with its Web UI, the worker and the API in one command;
 * Ctrl-C stops all of it cleanly; state survives a restart; metrics on their own port, on this machine only; when the
 * embedded dev server dies, the whole process exits non-zero saying so. And with TEMPORAL_ADDRESS it starts no server.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { resolveTemporalCli } from '../scripts/temporal-binaries.js';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { embeddedStartEnv, freePort, groupGone, startNpm, type StartedProcess } from './helpers/process.js';
import { quietTemporalRuntime, testKeysEnv, uniqueId } from './helpers/temporal.js';
import { DEV_SECRET, signToken } from '../api/auth.js';

const root = resolve(import.meta.dirname, '..');
const dataDir = mkdtempSync(join(tmpdir(), 'waakvlam-start-'));
const running: StartedProcess[] = [];

afterAll(async () => {
  for (const p of running) await p.interrupt(5_000);
  rmSync(dataDir, { recursive: true, force: true });
});

async function json(url: string, init?: RequestInit, token?: string): Promise<{ status: number; body: any }> {
  const headers = { ...(init?.headers as Record<string, string>), ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const res = await fetch(url, { ...init, headers });
  return { status: res.status, body: await res.json() };
}

/** The environment of an `npm start` with its embedded dev server on fresh ports (see embeddedStartEnv). */
async function embeddedEnv(dir: string, extra: Record<string, string> = {}) {
  const { env, apiPort, uiPort } = await embeddedStartEnv(dir, extra);
  return { env, apiPort, uiPort };
}

/** The pid of the `temporal server start-dev` process persisting to `dbFile` (the one a given `npm start` runs). */
function devServerPid(dbFile: string): number {
  const lines = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n');
  const found = lines.filter((l) => l.includes('start-dev') && l.includes(dbFile)).map((l) => Number(l.trim().split(/\s+/)[0]));
  expect(found, `one dev server on ${dbFile}`).toHaveLength(1);
  return found[0]!;
}

/** An address of this machine other than the loopback, if it has one. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
}

/** The engine said it stopped cleanly, and npm ended normally or by the Ctrl-C itself. */
function expectCleanStop(exit: { code: number | null; signal: NodeJS.Signals | null }, proc: StartedProcess) {
  expect(proc.output()).toContain('Waakvlam stopped cleanly.');
  expect(exit.code === 0 || exit.signal === 'SIGINT').toBe(true);
}

describe('npm start', () => {
  it('serves the API and the Web UI on an embedded dev server, stops on Ctrl-C and keeps state across a restart', async () => {
    const metricsPort = await freePort();
    const { env, apiPort, uiPort } = await embeddedEnv(dataDir, { WAAKVLAM_METRICS_PORT: String(metricsPort) });
    // Nothing configured: the public local development key, said loudly.
    const token = await signToken(DEV_SECRET, { subject: 'regisseur-1', municipality: 'GM0363', role: 'case-system' });
    const api = `http://127.0.0.1:${apiPort}`;
    const caseRef = uniqueId('ZAAK');

    const first = startNpm('start', env, root);
    running.push(first);
    await first.waitFor('Press Ctrl-C to stop.');
    expect(first.output()).toContain(`API:             http://127.0.0.1:${apiPort}/v1`);
    expect(first.output()).toContain(`Temporal Web UI: http://127.0.0.1:${uiPort}`);
    expect(first.output()).toContain('AUTHENTICATION USES THE PUBLIC LOCAL DEVELOPMENT KEY');

    expect((await json(`${api}/v1/health/ready`)).status).toBe(200);
    const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/<html/i);

    const started = await json(`${api}/v1/trajectories`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ caseRef, municipality: 'GM0363' }),
    }, token);
    expect(started.status).toBe(201);
    expect((await json(`${api}${started.body.links.self}`)).status).toBe(401);
    const before = await json(`${api}${started.body.links.self}`, undefined, token);
    expect(before.body.status).toBe('open');
    const completed = await json(`${api}${started.body.links.self}/steps/assign-director/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({}),
    }, token);
    expect(completed.status).toBe(200);
    expect(completed.body.closedBy).toBe('regisseur-1');
    const progressed = await json(`${api}${started.body.links.self}`, undefined, token);
    expect(progressed.body.openSteps.map((s: { id: string }) => s.id)).toEqual(['first-contact']);

    // The Web UI decodes through the API's codec server (#12 point 2): the UI's settings name it, the API allows the
    // UI's origin, and what the UI shows of the history (encrypted) an operator of the municipality gets decoded.
    const uiOrigin = `http://127.0.0.1:${uiPort}`;
    expect(first.output()).toContain(`Codec server:    ${api}/v1/codec`);
    const settings = (await (await fetch(`${uiOrigin}/api/v1/settings`)).json()) as { Codec: { Endpoint: string } };
    expect(settings.Codec.Endpoint).toBe(`${api}/v1/codec`);
    const preflight = await fetch(`${api}/v1/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: uiOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    const history = (await (await fetch(`${uiOrigin}/api/v1/namespaces/default/workflows/${encodeURIComponent(started.body.id)}/history`)).json()) as {
      history: { events: Array<{ workflowExecutionStartedEventAttributes?: { input: { payloads: unknown[] } } }> };
    };
    const input = history.history.events[0]!.workflowExecutionStartedEventAttributes!.input;
    expect(JSON.stringify(input)).not.toContain(caseRef);
    const decode = async (municipality: string) =>
      json(`${api}/v1/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', origin: uiOrigin, 'x-namespace': 'default' }, body: JSON.stringify(input) },
        await signToken(DEV_SECRET, { subject: 'beheerder-1', municipality, role: 'operator' }));
    const decoded = await decode('GM0363');
    expect(decoded.status).toBe(200);
    expect(Buffer.from(decoded.body.payloads[0].data, 'base64').toString('utf8')).toContain(caseRef);
    expect((await decode('GM0599')).status).toBe(403);

    // Metrics: not in the public API, but on WAAKVLAM_METRICS_PORT, on this machine only (npm start's default); the
    // API's and the worker's in one registry.
    expect((await fetch(`${api}/v1/metrics`)).status).toBe(404);
    expect(first.output()).toContain(`Metrics:         http://127.0.0.1:${metricsPort}/metrics`);
    const scraped = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(scraped).toMatch(/waakvlam_trajectories_started_total\{municipality="GM0363",definition="gezinstraject"\} 1/);
    expect(scraped).toMatch(/waakvlam_http_requests_total\{method="POST",route="\/v1\/trajectories",status="201"\} 1/);
    expect(scraped).toContain('# TYPE waakvlam_escalations_raised_total counter');
    expect(scraped).not.toContain(caseRef);
    const external = externalAddress();
    if (external) await expect(fetch(`http://${external}:${metricsPort}/metrics`)).rejects.toThrow();

    expectCleanStop(await first.interrupt(), first);
    expect(await groupGone(first.child.pid!)).toBe(true);
    await expect(fetch(`${api}/v1/health/live`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();

    // The state lives in WAAKVLAM_DATA_DIR; the second start takes fresh ports, since other test files running in
    // parallel may have taken the first ones meanwhile.
    const restart = await embeddedEnv(dataDir);
    const api2 = `http://127.0.0.1:${restart.apiPort}`;
    const second = startNpm('start', restart.env, root);
    running.push(second);
    await second.waitFor('Press Ctrl-C to stop.');
    const after = await json(`${api2}${started.body.links.self}`, undefined, token);
    expect(after.status).toBe(200);
    // The same trajectory, with its open step and its timers (the due date) intact after the restart.
    const stable = (body: any) => ({ ...body, openSteps: body.openSteps.map(({ openForSeconds: _, ...step }: any) => step) });
    expect(stable(after.body)).toEqual(stable(progressed.body));
    expectCleanStop(await second.interrupt(), second);
  });

  it('exits non-zero, saying what happened and what to do, when its embedded dev server dies', { timeout: 120_000 }, async () => {
    const crashDir = join(dataDir, 'crash');
    const { env, apiPort } = await embeddedEnv(crashDir);
    const proc = startNpm('start', env, root);
    running.push(proc);
    await proc.waitFor('Press Ctrl-C to stop.');
    const api = `http://127.0.0.1:${apiPort}`;
    expect((await json(`${api}/v1/health/ready`)).status).toBe(200);

    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      if (proc.child.exitCode !== null) resolve({ code: proc.child.exitCode, signal: null });
      else proc.child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    process.kill(devServerPid(join(crashDir, 'temporal.db')), 'SIGKILL');
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([
      exited,
      new Promise<'still running'>((resolve) => {
        timer = setTimeout(() => resolve('still running'), 30_000);
      }),
    ]);
    clearTimeout(timer);
    expect(exit, `npm start after its dev server died:\n${proc.output()}`).not.toBe('still running');
    expect(exit).toMatchObject({ code: expect.any(Number) });
    expect((exit as { code: number }).code).not.toBe(0);
    expect(proc.output()).toMatch(/the embedded Temporal dev server stopped unexpectedly \(killed by SIGKILL\)/);
    expect(proc.output()).toContain('npm start');
    expect(proc.output()).not.toContain('Waakvlam stopped cleanly.');
    expect(await groupGone(proc.child.pid!)).toBe(true);
    await expect(fetch(`${api}/v1/health/live`)).rejects.toThrow();
  });

  it('connects to TEMPORAL_ADDRESS instead, starting no server and registering the search attributes', async () => {
    quietTemporalRuntime();
    const cli = resolveTemporalCli();
    // A bare dev server without the engine's search attributes, standing in for an external cluster.
    const external = await TestWorkflowEnvironment.createLocal({
      server: cli.path ? { executable: { type: 'existing-path', path: cli.path } } : {},
    });
    try {
      const address = external.address;
      const apiPort = await freePort();
      const secret = 'a-configured-secret-of-at-least-32-characters';
      const external_ = { ...process.env, TEMPORAL_ADDRESS: address, PORT: String(apiPort), HOST: '127.0.0.1', LOG_LEVEL: 'warn', WAAKVLAM_JWT_SECRET: secret };
      // The public development keys are for the embedded dev server only: against a server of its own it refuses.
      const keyless = startNpm('start', { ...external_, WAAKVLAM_KEYS: '', WAAKVLAM_KEYS_FILE: '' }, root);
      running.push(keyless);
      await keyless.waitFor('WAAKVLAM_KEYS_FILE or WAAKVLAM_KEYS: required with TEMPORAL_ADDRESS').catch(() => undefined);
      expect(await groupGone(keyless.child.pid!, 30_000)).toBe(true);
      expect(keyless.output()).toContain('WAAKVLAM_KEYS_FILE or WAAKVLAM_KEYS: required with TEMPORAL_ADDRESS');
      const proc = startNpm('start', { ...external_, WAAKVLAM_KEYS: await testKeysEnv(['GM0599']), WAAKVLAM_KEYS_FILE: '' }, root);
      running.push(proc);
      await proc.waitFor('Press Ctrl-C to stop.');
      expect(proc.output()).toContain(`Temporal:        ${address}`);
      expect(proc.output()).not.toContain('State:');
      expect(proc.output()).not.toContain('DEVELOPMENT KEY');

      const connection = await Connection.connect({ address });
      const attrs = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      await connection.close();
      for (const key of ALL_SEARCH_ATTRIBUTES) expect(Object.keys(attrs.customAttributes ?? {})).toContain(key.name);

      const res = await json(`http://127.0.0.1:${apiPort}/v1/trajectories`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ caseRef: uniqueId('ZAAK') }),
      }, await signToken(secret, { subject: 'zaaksysteem', municipality: 'GM0599', role: 'case-system' }));
      expect(res.status, `${JSON.stringify(res.body)}\n${proc.output()}`).toBe(201);
      expect(res.body.id).toMatch(/^GM0599-/);
      const described = await external.client.workflow.getHandle(res.body.id).describe();
      expect(described.status.name).toBe('RUNNING');

      // A municipality the key file has no key for: a 503 naming what the deployment lacks, and nothing started.
      const caseRef = uniqueId('ZAAK');
      const unkeyed = await json(`http://127.0.0.1:${apiPort}/v1/trajectories`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ caseRef }),
      }, await signToken(secret, { subject: 'zaaksysteem', municipality: 'GM0363', role: 'case-system' }));
      expect(unkeyed.status).toBe(503);
      expect(unkeyed.body).toMatchObject({ type: '/problems/service-unavailable', detail: expect.stringContaining('no encryption key for GM0363') });
      expect(await external.client.workflow.getHandle(`GM0363-${caseRef}`).describe().then(() => true, () => false)).toBe(false);
      expectCleanStop(await proc.interrupt(), proc);
    } finally {
      await external.teardown();
    }
  });
});

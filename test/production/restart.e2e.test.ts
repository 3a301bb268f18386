/**
 * What production does to a running deployment, on the production deployment: a worker is killed outright (the
 * other carries on, and it comes back), and the Temporal server is stopped and started again (the API says it is not
 * ready meanwhile; afterwards every trajectory goes on, and a deadline that fell due while it was down escalates).
 */
import { describe, expect, it } from 'vitest';
import { startTemporalServer, stopTemporalServer } from '../../scripts/production-like.js';
import { uniqueId } from '../helpers/temporal.js';
import { call, eventually, processPid, production, stallingDefinition, startProcesses, webhooks } from './context.js';

async function complete(id: string, stepId: string): Promise<void> {
  const res = await call('POST', `/v1/trajectories/${id}/steps/${stepId}/complete`, { as: 'case-system', body: {} });
  expect(res.status, `${stepId}: ${JSON.stringify(res.body)}`).toBe(200);
}

describe('restarts on the production deployment', () => {
  it('carries on with one worker when the other is killed, and takes the killed one back', async () => {
    const caseRef = uniqueId('PROD-KILL');
    const id = `GM0363-${caseRef}`;
    expect((await call('POST', '/v1/trajectories', { as: 'case-system', body: { caseRef } })).status).toBe(201);
    await complete(id, 'assign-director');

    process.kill(processPid('waakvlam-worker-1'), 'SIGKILL');
    // Whichever worker held the trajectory, the one left completes the next steps (after the sticky queue's timeout
    // at the worst), and a new trajectory starts and runs.
    await complete(id, 'first-contact');
    expect((await call('GET', `/v1/trajectories/${id}`, { as: 'case-system' })).body.phase.id).toBe('safety');
    const other = `GM0363-${uniqueId('PROD-KILL')}`;
    expect((await call('POST', '/v1/trajectories', { as: 'case-system', body: { caseRef: other.slice('GM0363-'.length) } })).status).toBe(201);
    await complete(other, 'assign-director');

    await startProcesses(['waakvlam-worker-1']);
    expect(processPid('waakvlam-worker-1')).toBeGreaterThan(0);
  });

  it('is not ready while the Temporal server is down, and afterwards goes on where it was, escalating what fell due meanwhile', async () => {
    const definitionId = `prod-restart-${Date.now().toString(36)}`;
    expect((await call('POST', '/v1/definitions', { as: 'operator', body: stallingDefinition(definitionId, 'PT8S') })).status).toBe(201);
    const caseRef = uniqueId('PROD-RESTART');
    const id = `GM0363-${caseRef}`;
    expect((await call('POST', '/v1/trajectories', { as: 'case-system', body: { caseRef, definitionId } })).status).toBe(201);
    const startedAt = Date.now();

    const workerHealth = async () => {
      const worker = production().processes.find((p) => p.name === 'waakvlam-worker-2')!;
      return (await fetch(`http://127.0.0.1:${worker.env.WAAKVLAM_METRICS_PORT}/health`)).status;
    };
    expect(await workerHealth()).toBe(200);
    await stopTemporalServer({ cacheRoot: production().cacheRoot });
    const ready = await call('GET', '/v1/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('content-type')).toMatch(/application\/problem\+json/);
    // The worker's health (its compose healthcheck) says so too, once its last check of the server is 5 s old.
    await eventually('the worker reports itself unhealthy while the server is down', async () => (await workerHealth()) === 503, 15_000);
    // The step falls due (8 s after it opened) while the server is down.
    await new Promise((r) => setTimeout(r, Math.max(0, startedAt + 10_000 - Date.now())));
    await startTemporalServer({ cacheRoot: production().cacheRoot });

    await eventually('the API is ready again', async () => (await call('GET', '/v1/health/ready')).status === 200);
    await eventually('the worker is healthy again', async () => (await workerHealth()) === 200, 30_000);
    const raised = await eventually('the owner is reminded of the step that fell due while the server was down', async () =>
      (await webhooks()).find((w) => w.subject === id && w.type.endsWith('.escalation.raised') && w.data.escalation.level === 0),
    );
    expect(Date.parse(raised.data.escalation.levelDueAt)).toBeLessThan(Date.now());
    await complete(id, 'task');
    expect((await call('GET', `/v1/trajectories/${id}`, { as: 'case-system' })).body.status).toBe('closed');
  });
});

/**
 * A trajectory's life through the compiled API, on the deployment a municipality runs: the Temporal server on
 * PostgreSQL (SQL persistence and visibility), two compiled workers and the compiled API, configured by the compose
 * file. Real time, no time skipping: every step is completed as a case system completes it.
 */
import { describe, expect, it } from 'vitest';
import { TrajectoryState } from '../../api/schemas.js';
import { uniqueId } from '../helpers/temporal.js';
import { call, eventually } from './context.js';

describe('the compiled API on PostgreSQL-backed Temporal', () => {
  it('is ready, and reaches Temporal', async () => {
    expect(await call('GET', '/v1/health/live')).toMatchObject({ status: 200 });
    expect(await call('GET', '/v1/health/ready')).toMatchObject({ status: 200, body: { status: 'ok', temporal: 'reachable' } });
  });

  it('carries a gezinstraject from intake into execution, closes it and re-opens it', async () => {
    const caseRef = uniqueId('PROD');
    const id = `GM0363-${caseRef}`;
    const state = async () => {
      const res = await call('GET', `/v1/trajectories/${id}`, { as: 'case-system' });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(TrajectoryState.safeParse(res.body).success).toBe(true);
      return res.body;
    };
    const complete = async (stepId: string, output?: Record<string, unknown>) => {
      const res = await call('POST', `/v1/trajectories/${id}/steps/${stepId}/complete`, { as: 'case-system', body: output ? { output } : {} });
      expect(res.status, `${stepId}: ${JSON.stringify(res.body)}`).toBe(200);
    };

    const started = await call('POST', '/v1/trajectories', { as: 'case-system', body: { caseRef } });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    expect(started.headers.get('location')).toBe(`/v1/trajectories/${id}`);
    expect(await call('POST', '/v1/trajectories', { as: 'case-system', body: { caseRef } })).toMatchObject({
      status: 409,
      body: { existing: `/v1/trajectories/${id}` },
    });
    expect((await state()).phase.id).toBe('intake');
    await complete('assign-director');
    await complete('first-contact');
    expect((await state()).phase.id).toBe('safety');
    await complete('safety-assessment', { veiligheid: 'sociaal-economisch' });
    await complete('immediate-rest', { doorbraak: { budget: 1200, mandaat: 'teamleider' } });
    expect((await state()).openSteps.map((s: { id: string }) => s.id).sort()).toEqual(['debts', 'housing', 'income']);
    expect(await call('POST', `/v1/trajectories/${id}/events`, { as: 'case-system', body: { event: 'family-contact' } })).toMatchObject({ status: 202 });
    for (const step of ['debts', 'income', 'housing']) await complete(step);
    expect((await state()).phase.id).toBe('family-plan');

    // The list is served from SQL visibility: it shows the trajectory in its phase (eventually consistent).
    await eventually('the list shows the trajectory in family-plan', async () => {
      const list = await call('GET', '/v1/trajectories?phase=family-plan&limit=200', { as: 'operator' });
      expect(list.status).toBe(200);
      return list.body.items.some((t: { id: string }) => t.id === id);
    });

    const closed = await call('POST', `/v1/trajectories/${id}/close`, { as: 'case-system', body: { reason: 'verhuisd' } });
    expect(closed).toMatchObject({ status: 200, body: { status: 'closed' } });
    expect((await call('POST', `/v1/trajectories/${id}/steps/analysis/complete`, { as: 'case-system', body: {} })).status).toBe(409);
    const reopened = await call('POST', `/v1/trajectories/${id}/reopen`, { as: 'case-system', body: { phase: 'safety', reason: 'nieuw signaal' } });
    expect(reopened, JSON.stringify(reopened.body)).toMatchObject({ status: 200, body: { status: 'open', phase: { id: 'safety' } } });
    await eventually('the list shows the re-opened trajectory as open', async () => {
      const list = await call('GET', '/v1/trajectories?status=open&phase=safety&limit=200', { as: 'operator' });
      return list.body.items.some((t: { id: string }) => t.id === id);
    });
    expect((await call('POST', `/v1/trajectories/${id}/close`, { as: 'case-system', body: { reason: 'afgerond' } })).status).toBe(200);
  });

  it('keeps each municipality to its own trajectories', async () => {
    const caseRef = uniqueId('PROD-TENANT');
    expect((await call('POST', '/v1/trajectories', { as: 'case-system', body: { caseRef } })).status).toBe(201);
    const res = await call('GET', `/v1/trajectories/GM0363-${caseRef}`, { as: 'case-system', municipality: 'GM0599' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });
});

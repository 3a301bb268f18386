/**
 * A careless or hostile client against the compiled API on the production deployment: every refusal is a precise
 * RFC 9457 problem, and none changes anything (no trajectory started, no event in an existing one's history).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { signToken } from '../../api/auth.js';
import { historyLength } from '../helpers/api.js';
import { uniqueId } from '../helpers/temporal.js';
import { call, production, type Answer } from './context.js';

let connection: Connection;
let client: Client;
beforeAll(async () => {
  connection = await Connection.connect({ address: production().temporal });
  client = new Client({ connection, namespace: production().namespace });
});
afterAll(() => connection?.close());

function expectProblem(res: Answer, status: number, type: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: `/problems/${type}`, status, title: expect.any(String) });
}

describe('bad requests against the production deployment', () => {
  it('answers malformed, invalid and oversized starts with problem+json and the paths, and starts nothing', async () => {
    const caseRef = uniqueId('PROD-BAD');
    const bad = await call('POST', '/v1/trajectories', { as: 'case-system', body: { caseRef: 'met spatie', municipality: 'Amsterdam', nickname: 'x' } });
    expectProblem(bad, 400, 'invalid-request');
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/body/caseRef', '/body/municipality', '/body/nickname']);
    const bsn = await call('POST', '/v1/trajectories', { as: 'case-system', body: { caseRef: '111222333' } });
    expectProblem(bsn, 400, 'invalid-request');
    expect(bsn.body.errors[0]).toMatchObject({ path: '/body/caseRef', message: expect.stringMatching(/BSN/) });
    expectProblem(await call('POST', '/v1/trajectories', { as: 'case-system', raw: '{"caseRef": ' }), 400, 'malformed-json');
    expectProblem(
      await call('POST', '/v1/trajectories', { as: 'case-system', raw: `caseRef=${caseRef}`, headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported-media-type',
    );
    expectProblem(await call('POST', '/v1/trajectories', { as: 'case-system', body: { caseRef, pad: 'x'.repeat(200_000) } }), 413, 'payload-too-large');
    let deep: unknown = 'bodem';
    for (let i = 0; i < 4_000; i++) deep = { a: deep };
    expectProblem(await call('POST', '/v1/trajectories', { as: 'case-system', body: { caseRef, data: deep } }), 400, 'invalid-request');
    const unknown = await call('POST', '/v1/trajectories', { as: 'case-system', body: { caseRef, definitionId: 'gezinstrajekt' } });
    expectProblem(unknown, 400, 'invalid-request');
    expect(unknown.body.errors[0].message).toMatch(/did you mean "gezinstraject"/);
    expectProblem(await call('POST', '/v1/trajectories', { as: 'case-system', municipality: 'GM0363', body: { caseRef, municipality: 'GM0014' } }), 403, 'forbidden');
    expectProblem(await call('PUT', '/v1/trajectories', { as: 'case-system', body: { caseRef } }), 405, 'method-not-allowed');
    expectProblem(await call('GET', `/v1/trajectories/GM0363-${caseRef}`, { as: 'case-system' }), 404, 'not-found');
    expect(await client.workflow.getHandle(`GM0363-${caseRef}`).describe().then(() => true, () => false)).toBe(false);
  });

  it('refuses missing, forged and expired tokens and wrong roles, and changes nothing in the trajectory they aim at', async () => {
    const caseRef = uniqueId('PROD-AUTH');
    const id = `GM0363-${caseRef}`;
    expect((await call('POST', '/v1/trajectories', { as: 'case-system', body: { caseRef } })).status).toBe(201);
    const before = await historyLength(client, id);

    const none = await call('POST', `/v1/trajectories/${id}/close`, { body: { reason: 'x' } });
    expectProblem(none, 401, 'unauthorized');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const forged = await signToken('another-secret-that-is-long-enough-0123', { subject: 'x', municipality: 'GM0363', role: 'case-system' });
    expectProblem(await call('POST', `/v1/trajectories/${id}/close`, { headers: { authorization: `Bearer ${forged}` }, body: { reason: 'x' } }), 401, 'unauthorized');
    const expired = await signToken(production().secret, { subject: 'x', municipality: 'GM0363', role: 'case-system', expiresIn: -3600 });
    const expiredRes = await call('POST', `/v1/trajectories/${id}/close`, { headers: { authorization: `Bearer ${expired}` }, body: { reason: 'x' } });
    expectProblem(expiredRes, 401, 'unauthorized');
    expect(expiredRes.body.detail).toMatch(/expired/);
    expectProblem(await call('POST', `/v1/trajectories/${id}/steps/assign-director/complete`, { as: 'manager', body: {} }), 403, 'forbidden');
    expectProblem(await call('POST', `/v1/trajectories/${id}/close`, { as: 'case-system', municipality: 'GM0599', body: { reason: 'x' } }), 404, 'not-found');

    // Refusals the engine makes: a step that is not open, an event the definition does not know, a blank reason.
    expectProblem(await call('POST', `/v1/trajectories/${id}/steps/housing/complete`, { as: 'case-system', body: {} }), 409, 'conflict');
    const event = await call('POST', `/v1/trajectories/${id}/events`, { as: 'case-system', body: { event: 'family-contakt' } });
    expectProblem(event, 400, 'invalid-request');
    expect(JSON.stringify(event.body)).toMatch(/family-contact/);
    expectProblem(await call('POST', `/v1/trajectories/${id}/close`, { as: 'case-system', body: { reason: '' } }), 400, 'invalid-request');

    expect(await historyLength(client, id)).toBe(before);
    expect((await call('GET', `/v1/trajectories/${id}`, { as: 'case-system' })).body).toMatchObject({ status: 'open', phase: { id: 'intake' } });
  });
});

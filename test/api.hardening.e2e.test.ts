/**
 * The API against a hostile or careless client (issue #9): the corpus that found each defect, kept as regression
 * tests. supertest against the real app (token verification included), a real worker and the dev server; every
 * refusal is problem+json with its path and changes nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { SignJWT } from 'jose';
import { createWorker } from '../worker/worker.js';
import { reopenTrajectory } from '../clients/reopen.js';
import { containsBsn, StartTrajectoryRequest } from '../api/schemas.js';
import { uniqueId, useTemporal, TEST_KEY_RING } from './helpers/temporal.js';
import { shipped } from './helpers/definitions.js';
import { as, exists as existsIn, expectProblem, historyLength as historyLengthOf, TEST_SECRET, testApp } from './helpers/api.js';

const temporal = useTemporal({ worker: { taskQueue: 'hardening' } });
const { taskQueue } = temporal;
let app: ReturnType<typeof testApp>;

beforeAll(() => {
  app = testApp(temporal.client, shipped, taskQueue);
});

const historyLength = (workflowId: string) => historyLengthOf(temporal.client, workflowId);
const exists = (workflowId: string) => existsIn(temporal.client, workflowId);

/** `{ a: { a: … { a: leaf } } }`, `levels` objects deep. */
function nested(levels: number, leaf: unknown = 1): Record<string, unknown> {
  let v: unknown = leaf;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v as Record<string, unknown>;
}

async function started(caseRef = uniqueId('ZAAK')): Promise<{ id: string; cs: Awaited<ReturnType<typeof as>> }> {
  const cs = await as(app, 'case-system');
  await cs.post('/v1/trajectories').send({ caseRef }).expect(201);
  return { id: `GM0363-${caseRef}`, cs };
}

describe('API hardening: the hostile-client corpus', () => {
  it('serves a closed trajectory from its run\'s result, with no worker, to many readers at once', async () => {
    // A worker of its own, stopped once the trajectory has closed: a read that needed a query would wait for a
    // worker to replay the closed run (before: 30 s, then a 500).
    const queue = uniqueId('closed');
    const own = await createWorker({ connection: temporal.env.nativeConnection, namespace: 'default', taskQueue: queue, workflowBundle: temporal.bundle, keyRing: TEST_KEY_RING });
    const ownRun = own.run();
    const ownApp = testApp(temporal.client, shipped, queue);
    const cs = await as(ownApp, 'case-system');
    const caseRef = uniqueId('ZAAK');
    const id = `GM0363-${caseRef}`;
    await cs.post('/v1/trajectories').send({ caseRef }).expect(201);
    await cs.post(`/v1/trajectories/${id}/steps/assign-director/complete`).send({}).expect(200);
    await cs.post(`/v1/trajectories/${id}/close`).send({ reason: 'doelen behaald' }).expect(200);
    await temporal.client.workflow.getHandle(id).result();
    own.shutdown();
    await ownRun;

    const reads = await Promise.all(Array.from({ length: 12 }, () => cs.get(`/v1/trajectories/${id}`)));
    for (const r of reads) {
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toMatchObject({ id, status: 'closed', closeReason: 'doelen behaald', completedSteps: [{ id: 'assign-director' }] });
    }
    // Reporting an event learns that it is closed without a query too, and so does a manager's acknowledgement.
    const events = await Promise.all(Array.from({ length: 6 }, () => cs.post(`/v1/trajectories/${id}/events`).send({ event: 'family-contact' })));
    for (const e of events) expectProblem(e, 409, 'conflict');
    expectProblem(await (await as(ownApp, 'manager')).post(`/v1/trajectories/${id}/escalations/assign-director@0/acknowledge`).send({}), 404, 'not-found');

    // Re-opening takes the closed run's snapshot from its result too: the next run starts with no worker running.
    const { runId } = await reopenTrajectory(temporal.client, { workflowId: id, taskQueue: queue, reason: 'gezin meldt zich opnieuw', by: 'case-system-1' });
    expect((await temporal.client.workflow.getHandle(id, runId).describe()).status.name).toBe('RUNNING');
    const again = await createWorker({ connection: temporal.env.nativeConnection, namespace: 'default', taskQueue: queue, workflowBundle: temporal.bundle, keyRing: TEST_KEY_RING });
    await again.runUntil(async () => {
      expect((await cs.get(`/v1/trajectories/${id}`)).body).toMatchObject({ status: 'open', phase: { id: 'intake' }, reopenings: [{ reason: 'gezin meldt zich opnieuw' }] });
      await cs.post(`/v1/trajectories/${id}/close`).send({ reason: 'klaar' }).expect(200);
      await temporal.client.workflow.getHandle(id).result();
    });
  });

  it('refuses deeply nested and oversized free-form data with its path, starting and changing nothing', async () => {
    const cs = await as(app, 'case-system');
    // About 4,100 levels, well inside the 100 kB body limit (before: a 500 from the payload conversion).
    const deepRef = uniqueId('ZAAK');
    // Serialised here: supertest's own serialiser recurses per level and can run out of stack at this depth.
    const deep = await cs.post('/v1/trajectories').set('content-type', 'application/json').send(JSON.stringify({ caseRef: deepRef, data: nested(4100) }));
    expectProblem(deep, 400, 'invalid-request');
    expect(deep.body.errors[0]).toMatchObject({ path: expect.stringMatching(/^\/body\/data(\/a)+$/), message: expect.stringMatching(/nested too deeply/) });
    expect(await exists(`GM0363-${deepRef}`)).toBe(false);

    // Free-form data has tighter bounds than the body as a whole: 16 levels, 1,000 entries, strings of 10,000.
    const bounded = await cs.post('/v1/trajectories').send({ caseRef: deepRef, data: { plan: nested(20), lijst: Array(1001).fill(0), tekst: 'x'.repeat(10_001) } });
    expectProblem(bounded, 400, 'invalid-request');
    const messages = Object.fromEntries((bounded.body.errors as Array<{ path: string; message: string }>).map((e) => [e.path.split('/')[3], e]));
    expect(messages.plan).toMatchObject({ path: `/body/data/plan${'/a'.repeat(15)}`, message: expect.stringMatching(/at most 16 levels/) });
    expect(messages.lijst).toMatchObject({ path: '/body/data/lijst', message: expect.stringMatching(/at most 1000 elements/) });
    expect(messages.tekst).toMatchObject({ path: '/body/data/tekst', message: expect.stringMatching(/at most 10000 characters/) });
    expect(await exists(`GM0363-${deepRef}`)).toBe(false);
    // Within the bounds it is accepted.
    await cs.post('/v1/trajectories').send({ caseRef: deepRef, data: { plan: nested(15) } }).expect(201);

    const { id } = await started();
    const before = await historyLength(id);
    const output = await cs.post(`/v1/trajectories/${id}/steps/assign-director/complete`).set('content-type', 'application/json').send(JSON.stringify({ output: nested(4100) }));
    expectProblem(output, 400, 'invalid-request');
    expect(output.body.errors[0].path).toMatch(/^\/body\/output(\/a)+$/);
    const payload = await cs.post(`/v1/trajectories/${id}/events`).set('content-type', 'application/json').send(JSON.stringify({ event: 'family-contact', payload: [nested(4100)] }));
    expectProblem(payload, 400, 'invalid-request');
    expect(payload.body.errors[0].path).toMatch(/^\/body\/payload\/0(\/a)+$/);
    const wide = await cs.post(`/v1/trajectories/${id}/events`).send({ event: 'family-contact', payload: nested(17) });
    expectProblem(wide, 400, 'invalid-request');
    expect(wide.body.errors[0].path).toBe(`/body/payload${'/a'.repeat(16)}`);
    expect(await historyLength(id)).toBe(before);
  });

  it('refuses a "__proto__" key anywhere in a body with its path, instead of dropping it silently', async () => {
    const cs = await as(app, 'case-system');
    const caseRef = uniqueId('ZAAK');
    const send = (path: string, raw: string) => cs.post(path).set('content-type', 'application/json').send(raw);
    const start = await send('/v1/trajectories', `{"caseRef":"${caseRef}","data":{"gezin":{"__proto__":{"veiligheid":"acuut"}}}}`);
    expectProblem(start, 400, 'invalid-request');
    expect(start.body.errors).toEqual([{ path: '/body/data/gezin/__proto__', message: expect.stringMatching(/__proto__/) }]);
    expect(await exists(`GM0363-${caseRef}`)).toBe(false);

    const { id } = await started();
    const before = await historyLength(id);
    const output = await send(`/v1/trajectories/${id}/steps/assign-director/complete`, '{"output":{"__proto__":{"x":1}}}');
    expectProblem(output, 400, 'invalid-request');
    expect(output.body.errors[0].path).toBe('/body/output/__proto__');
    const top = await send(`/v1/trajectories/${id}/close`, '{"reason":"x","__proto__":{"reason":"y"}}');
    expectProblem(top, 400, 'invalid-request');
    expect(top.body.errors[0].path).toBe('/body/__proto__');
    // A key with a slash is escaped in the path (RFC 6901).
    const slashed = await send(`/v1/trajectories/${id}/events`, '{"event":"family-contact","payload":{"a/b":{"__proto__":1}}}');
    expect(slashed.body.errors[0].path).toBe('/body/payload/a~1b/__proto__');
    expect(await historyLength(id)).toBe(before);
  });

  it('refuses a case reference that holds a BSN anywhere, and says what a valid one looks like', async () => {
    const cs = await as(app, 'case-system');
    // Nine digits alone, or in the groupings a BSN is printed in.
    for (const caseRef of ['bsn-123456782', '123456782-2026', 'ZAAK123456782', 'a.111222333.b', '1234.56.782', 'ZAAK-123-456-782', 'bsn_123_456_782']) {
      const res = await cs.post('/v1/trajectories').send({ caseRef });
      expectProblem(res, 400, 'invalid-request');
      expect(res.body.errors).toEqual([{ path: '/body/caseRef', message: expect.stringMatching(/BSN.*such as ZAAK-2026-0042/) }]);
      expect(await exists(`GM0363-${caseRef}`)).toBe(false);
    }
    // Nine digits failing the elfproef, longer runs of digits (as Open Zaak numbers zaken) and other groupings are
    // references.
    for (const ok of ['ZAAK-123456789', 'ZAAK-2026-0000000042', 'ZAAK-2026-1112223334', 'ZAAK-2026-0042', 'ZAAK-2026-00042', '2026-123-456-782', 'x000000000']) {
      expect(containsBsn(ok), ok).toBe(false);
      expect(StartTrajectoryRequest.safeParse({ caseRef: ok }).success, ok).toBe(true);
    }
  });

  it('bounds dates by the instant they denote, not by their text', async () => {
    const { id, cs } = await started();
    const before = await historyLength(id);
    for (const dueAt of ['2199-12-31T23:59:59-12:00', '1970-01-01T00:30:00+01:00', '2200-01-01T00:00:00Z']) {
      const res = await cs.post(`/v1/trajectories/${id}/steps/assign-director/reschedule`).send({ dueAt, reason: 'later' });
      expectProblem(res, 400, 'invalid-request');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('/body/dueAt');
    }
    expect(await historyLength(id)).toBe(before);
    await cs.post(`/v1/trajectories/${id}/steps/assign-director/reschedule`).send({ dueAt: '2199-12-31T23:59:59+01:00', reason: 'later' }).expect(200);
  });

  it('refuses a token issued in the future beyond the clock tolerance, and accepts the scheme in any case', async () => {
    const sign = (iat: number) =>
      new SignJWT({ municipality: 'GM0363', role: 'operator' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('operator-1')
        .setIssuedAt(iat)
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(TEST_SECRET));
    const now = Math.floor(Date.now() / 1000);
    const future = await request(app).get('/v1/definitions').set('authorization', `Bearer ${await sign(now + 10 * 365 * 86400)}`);
    expectProblem(future, 401, 'unauthorized');
    expect(future.body.detail).toMatch(/"iat" claim is in the future/);
    expectProblem(await request(app).get('/v1/definitions').set('authorization', `Bearer ${await sign(now + 120)}`), 401, 'unauthorized');
    // Within the tolerance (30 s) a clock a little ahead is fine.
    await request(app).get('/v1/definitions').set('authorization', `Bearer ${await sign(now + 10)}`).expect(200);

    const valid = await sign(now);
    for (const scheme of ['bearer', 'BEARER', 'Bearer', 'bEaReR']) {
      await request(app).get('/v1/definitions').set('authorization', `${scheme} ${valid}`).expect(200);
    }
  });

  it('never locks a valid token out because its address sent refused ones; limits readiness per address', async () => {
    // 2 a minute per client: refused tokens are limited per address at 20 a minute.
    const limited = testApp(temporal.client, shipped, taskQueue, { rateLimitPerMinute: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await request(limited).get('/v1/definitions').set('authorization', 'Bearer a.b.c')).status);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    const stopped = await request(limited).get('/v1/definitions').set('authorization', 'Bearer a.b.c');
    expectProblem(stopped, 429, 'too-many-requests');
    expect(Number(stopped.headers['retry-after'])).toBeGreaterThan(0);
    // The same address with a valid token: served (before: 429 for every client behind it).
    await (await as(limited, 'operator', 'GM0363', { subject: 'achter-dezelfde-proxy' })).get('/v1/definitions').expect(200);

    // Readiness asks Temporal: limited per address like every public route (20 a minute here).
    const ready: number[] = [];
    for (let i = 0; i < 21; i++) ready.push((await request(limited).get('/v1/health/ready')).status);
    expect(ready.slice(0, 20).every((s) => s === 200)).toBe(true);
    expectProblem(await request(limited).get('/v1/health/ready'), 429, 'too-many-requests');
  });

  it('answers a method a static path does not serve with 405, even where a parameterised path would match', async () => {
    const operator = await as(app, 'operator');
    const res = await operator.get('/v1/definitions/validate');
    expectProblem(res, 405, 'method-not-allowed');
    expect(res.headers.allow).toBe('POST');
    const put = await request(app).put('/v1/definitions/validate');
    expectProblem(put, 405, 'method-not-allowed');
    // The served methods still reach their routes.
    const valid = await operator.post('/v1/definitions/validate').send({ id: 'x' });
    expect(valid.status).toBe(200);
    expect(valid.body.valid).toBe(false);
    await operator.get('/v1/definitions/gezinstraject').expect(200);
    expectProblem(await operator.post('/v1/definitions/gezinstraject'), 405, 'method-not-allowed');
  });
});

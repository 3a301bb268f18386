/**
 * The HTTP API end to end: supertest against the real app, a real worker and the Temporal dev server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { pino } from 'pino';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker, WorkflowBundle } from '@temporalio/worker';
import { createApp } from '../api/app.js';
import { createWorker } from '../worker/worker.js';
import { bundleWorkflows, createDevServerEnv, uniqueId } from './helpers/temporal.js';
import { shipped } from './helpers/definitions.js';
import { settle } from './helpers/driver.js';
import { validateDefinition } from '../definitions/validate.js';
import { DefinitionRegistry } from '../definitions/registry.js';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;
let worker: Worker;
let workerRun: Promise<void>;
let app: ReturnType<typeof createApp>;
const taskQueue = uniqueId('api');

beforeAll(async () => {
  [env, bundle] = await Promise.all([createDevServerEnv(), bundleWorkflows()]);
  worker = await createWorker({ connection: env.nativeConnection, namespace: 'default', taskQueue, workflowBundle: bundle });
  workerRun = worker.run();
  app = createApp({ client: env.client, definitions: shipped, taskQueue, logger: pino({ level: 'silent' }) });
});

afterAll(async () => {
  worker?.shutdown();
  await workerRun;
  await env?.teardown();
});

function expectProblem(res: request.Response, status: number, type: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: `/problems/${type}`, status });
  expect(typeof res.body.title).toBe('string');
}

/** History length once the background notification deliveries are done, so only requests change it. */
async function historyLength(workflowId: string): Promise<number> {
  const handle = env.client.workflow.getHandle(workflowId);
  await settle(handle);
  return (await handle.fetchHistory()).events?.length ?? 0;
}

async function exists(workflowId: string): Promise<boolean> {
  try {
    await env.client.workflow.getHandle(workflowId).describe();
    return true;
  } catch {
    return false;
  }
}

describe('API end to end', () => {
  it('starts a trajectory over HTTP and reads its state back', async () => {
    const caseRef = uniqueId('ZAAK');
    const started = await request(app).post('/v1/trajectories').send({ caseRef, municipality: 'GM0363' });
    expect(started.status).toBe(201);
    const id = `GM0363-${caseRef}`;
    expect(started.body.id).toBe(id);
    expect(started.headers.location).toBe(`/v1/trajectories/${id}`);

    const state = await request(app).get(`/v1/trajectories/${id}`);
    expect(state.status).toBe(200);
    expect(state.body).toMatchObject({
      id,
      caseRef,
      municipality: 'GM0363',
      definition: { id: 'gezinstraject', version: 1 },
      status: 'open',
      phase: { id: 'intake', name: 'Aanmelding' },
      openSteps: [{ id: 'assign-director', owner: 'teamleider', openForSeconds: expect.any(Number) }],
    });
    expect(Number.isNaN(Date.parse(state.body.startedAt))).toBe(false);

    // The worker really ran it on the server: the history holds the started and completed workflow task.
    const events = (await env.client.workflow.getHandle(id).fetchHistory()).events ?? [];
    expect(events.some((e) => e.workflowTaskCompletedEventAttributes)).toBe(true);
  });

  it('refuses to start the same case twice, linking to the existing trajectory', async () => {
    const caseRef = uniqueId('ZAAK');
    await request(app).post('/v1/trajectories').send({ caseRef, municipality: 'GM0014' }).expect(201);
    const again = await request(app).post('/v1/trajectories').send({ caseRef, municipality: 'GM0014' });
    expectProblem(again, 409, 'conflict');
    expect(again.body.existing).toBe(`/v1/trajectories/GM0014-${caseRef}`);
  });

  it('closes a trajectory once; an invalid or repeated close changes nothing', async () => {
    const caseRef = uniqueId('ZAAK');
    const id = `GM0363-${caseRef}`;
    await request(app).post('/v1/trajectories').send({ caseRef, municipality: 'GM0363' }).expect(201);
    await request(app).get(`/v1/trajectories/${id}`).expect(200);

    const before = await historyLength(id);
    expectProblem(await request(app).post(`/v1/trajectories/${id}/close`).send({ reason: '' }), 400, 'invalid-request');
    expect(await historyLength(id)).toBe(before);

    const closed = await request(app).post(`/v1/trajectories/${id}/close`).send({ reason: 'doelen behaald' });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed', closeReason: 'doelen behaald' });

    const after = await historyLength(id);
    expectProblem(await request(app).post(`/v1/trajectories/${id}/close`).send({ reason: 'nogmaals' }), 409, 'conflict');
    expect(await historyLength(id)).toBe(after);
    expect((await request(app).get(`/v1/trajectories/${id}`)).body.status).toBe('closed');
  });

  it('answers bad input with precise problem+json and starts nothing', async () => {
    const caseRef = uniqueId('ZAAK');
    const bad = await request(app)
      .post('/v1/trajectories')
      .send({ caseRef: 'met spatie', municipality: 'Amsterdam', nickname: 'x' });
    expectProblem(bad, 400, 'invalid-request');
    const paths = (bad.body.errors as Array<{ path: string }>).map((e) => e.path).sort();
    expect(paths).toEqual(['/body/caseRef', '/body/municipality', '/body/nickname']);

    // A BSN (passes the elfproef) is refused as a case reference.
    const bsn = await request(app).post('/v1/trajectories').send({ caseRef: '111222333', municipality: 'GM0363' });
    expectProblem(bsn, 400, 'invalid-request');
    expect(bsn.body.errors[0]).toMatchObject({ path: '/body/caseRef', message: expect.stringMatching(/BSN/) });
    expect(await exists('GM0363-111222333')).toBe(false);

    expectProblem(
      await request(app).post('/v1/trajectories').set('content-type', 'application/json').send('{"caseRef": '),
      400,
      'malformed-json',
    );
    expectProblem(
      await request(app).post('/v1/trajectories').set('content-type', 'text/plain').send(`caseRef=${caseRef}`),
      415,
      'unsupported-media-type',
    );
    expectProblem(
      await request(app).post('/v1/trajectories').send({ caseRef, municipality: 'GM0363', pad: 'x'.repeat(200_000) }),
      413,
      'payload-too-large',
    );
    const gzip = await request(app)
      .post('/v1/trajectories')
      .set('content-type', 'application/json')
      .set('content-encoding', 'gzip')
      .send('not gzip at all');
    expectProblem(gzip, 400, 'invalid-request');
    expectProblem(await request(app).get('/v1/trajectories/GM0363-%E0%A4%A'), 400, 'invalid-request');
    expect(await exists(`GM0363-${caseRef}`)).toBe(false);
  });

  it('completes steps and reports events through the workflow, refusing what is not open or not known', async () => {
    const caseRef = uniqueId('ZAAK');
    const id = `GM0363-${caseRef}`;
    await request(app).post('/v1/trajectories').send({ caseRef, municipality: 'GM0363' }).expect(201);
    const done = await request(app).post(`/v1/trajectories/${id}/steps/assign-director/complete`).send({ completedBy: 'teamleider-3' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id: 'assign-director', outcome: 'completed', closedBy: 'teamleider-3' });

    const before = await historyLength(id);
    expectProblem(
      await request(app).post(`/v1/trajectories/${id}/steps/assign-director/complete`).send({ completedBy: 'x' }),
      409,
      'conflict',
    );
    expectProblem(
      await request(app).post(`/v1/trajectories/${id}/steps/housing/complete`).send({ completedBy: 'x' }),
      409,
      'conflict',
    );
    const badEvent = await request(app).post(`/v1/trajectories/${id}/events`).send({ event: 'plan-agred' });
    expectProblem(badEvent, 400, 'invalid-request');
    expect(badEvent.body.errors[0].message).toMatch(/did you mean "plan-agreed"/);
    expect(await historyLength(id)).toBe(before);

    await request(app).post(`/v1/trajectories/${id}/events`).send({ event: 'family-contact' }).expect(202);
    const state = await request(app).get(`/v1/trajectories/${id}`);
    expect(Object.keys(state.body.lastEventAt)).toEqual(['family-contact']);
  });

  it('records escalation decisions, pauses, resumes and reschedules through the API', async () => {
    // A definition with a deadline of seconds, so the dev server's real clock reaches the ladder during the test.
    const quick = validateDefinition(
      {
        id: 'snel',
        version: 1,
        name: 'Snel',
        roles: [{ id: 'regisseur', name: 'Regisseur' }, { id: 'teamleider', name: 'Teamleider' }],
        escalationPolicies: { kort: { levels: [{ role: 'owner', after: 'PT0S' }, { role: 'teamleider', after: 'PT1H' }] } },
        defaultEscalationPolicy: 'kort',
        phases: [{ id: 'a', name: 'A', start: 'x', nodes: [{ id: 'x', type: 'userTask', owner: 'regisseur', due: 'PT1S', next: 'y' }, { id: 'y', type: 'userTask', owner: 'regisseur', due: 'P1D', next: 'e' }, { id: 'e', type: 'end' }] }],
      },
      { activities: [] },
    );
    const registry = new DefinitionRegistry();
    if (quick.ok) registry.register(quick.definition);
    const quickApp = createApp({ client: env.client, definitions: registry, taskQueue, logger: pino({ level: 'silent' }) });
    const caseRef = uniqueId('ZAAK');
    const id = `GM0363-${caseRef}`;
    await request(quickApp).post('/v1/trajectories').send({ caseRef, municipality: 'GM0363', definitionId: 'snel' }).expect(201);
    let state: any;
    for (let i = 0; i < 100 && !(state?.escalations?.length > 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await request(quickApp).get(`/v1/trajectories/${id}`)).body;
    }
    expect(state.escalations[0]).toMatchObject({ id: 'x@0', level: 0, role: 'regisseur' });

    const ack = await request(quickApp).post(`/v1/trajectories/${id}/escalations/x@0/acknowledge`).send({ acknowledgedBy: 'regisseur-1' });
    expect(ack.status).toBe(200);
    expect(ack.body.escalations[0]).toMatchObject({ acknowledgedBy: 'regisseur-1' });
    const newDue = new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();
    const decided = await request(quickApp)
      .post(`/v1/trajectories/${id}/escalations/x@0/decisions`)
      .send({ type: 'new-deadline', dueAt: newDue, decidedBy: 'teamleider-3', reason: 'wacht op de corporatie' });
    expect(decided.status).toBe(200);
    expect(decided.body.escalations[0]).toMatchObject({ resolution: 'new-deadline', decisions: [{ type: 'new-deadline', dueAt: newDue, decidedBy: 'teamleider-3', reason: 'wacht op de corporatie' }] });
    expect(decided.body.openSteps[0].dueAt).toBe(newDue);

    // Refusals change nothing: a decision on a resolved escalation, an unknown escalation, a bad decision body.
    const before = await historyLength(id);
    expectProblem(await request(quickApp).post(`/v1/trajectories/${id}/escalations/x@0/decisions`).send({ type: 'instruction', text: 'x', decidedBy: 'y', reason: 'z' }), 409, 'conflict');
    expectProblem(await request(quickApp).post(`/v1/trajectories/${id}/escalations/x@7/acknowledge`).send({ acknowledgedBy: 'y' }), 404, 'not-found');
    const bad = await request(quickApp).post(`/v1/trajectories/${id}/escalations/x@0/decisions`).send({ type: 'doorbraak', decidedBy: 'y', reason: 'z' });
    expectProblem(bad, 400, 'invalid-request');
    expect(await historyLength(id)).toBe(before);

    const paused = await request(quickApp).post(`/v1/trajectories/${id}/pause`).send({ reason: 'gezin in het buitenland', by: 'regisseur-1' });
    expect(paused.body.paused).toMatchObject({ reason: 'gezin in het buitenland', by: 'regisseur-1' });
    expectProblem(await request(quickApp).post(`/v1/trajectories/${id}/pause`).send({ reason: 'nogmaals', by: 'regisseur-1' }), 422, 'unprocessable');
    const resumed = await request(quickApp).post(`/v1/trajectories/${id}/resume`).send({ by: 'regisseur-1' });
    expect(resumed.body.paused).toBeUndefined();
    expect(Date.parse(resumed.body.openSteps[0].dueAt)).toBeGreaterThan(Date.parse(newDue));

    const later = new Date(Date.now() + 14 * 24 * 3600 * 1000).toISOString();
    const moved = await request(quickApp).post(`/v1/trajectories/${id}/steps/x/reschedule`).send({ dueAt: later, reason: 'MDO verzet', by: 'regisseur-1' });
    expect(moved.body.openSteps[0]).toMatchObject({ dueAt: later, reschedules: expect.arrayContaining([expect.objectContaining({ reason: 'MDO verzet', by: 'regisseur-1' })]) });
  });

  it('lists trajectories from the visibility store, and the overdue filter finds exactly the overdue ones', async () => {
    const def = (id: string, due: string) => {
      const r = validateDefinition(
        {
          id,
          version: 1,
          name: id,
          roles: [{ id: 'regisseur', name: 'Regisseur' }],
          phases: [{ id: 'a', name: 'A', start: 'x', nodes: [{ id: 'x', type: 'userTask', owner: 'regisseur', due, next: 'e' }, { id: 'e', type: 'end' }] }],
        },
        { activities: [] },
      );
      if (!r.ok) throw new Error(JSON.stringify(r.problems));
      return r.definition;
    };
    const registry = new DefinitionRegistry();
    registry.register(def('snel', 'PT1S'));
    registry.register(def('traag', 'P1D'));
    const listApp = createApp({ client: env.client, definitions: registry, taskQueue, logger: pino({ level: 'silent' }) });
    const municipality = `GM9${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`;
    const ids: Record<string, string> = {};
    for (const [name, definitionId] of [['a', 'snel'], ['b', 'snel'], ['c', 'traag']] as const) {
      const res = await request(listApp).post('/v1/trajectories').send({ caseRef: uniqueId(`LIJST-${name}`), municipality, definitionId });
      ids[name] = res.body.id;
    }
    await new Promise((r) => setTimeout(r, 1500)); // the quick ones fall due
    let overdue: any;
    for (let i = 0; i < 50; i++) {
      overdue = (await request(listApp).get(`/v1/trajectories?municipality=${municipality}&overdue=true`)).body;
      if (overdue.count === 2) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(overdue.items.map((t: { id: string }) => t.id).sort()).toEqual([ids.a, ids.b].sort());
    expect(overdue.items[0]).toMatchObject({ municipality, status: 'open', phase: 'a', openSteps: 1, definition: { id: 'snel', version: 1 } });

    let all: any;
    for (let i = 0; i < 50; i++) {
      all = (await request(listApp).get(`/v1/trajectories?municipality=${municipality}&phase=a`)).body;
      if (all.count === 3) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(all.count).toBe(3);
    const slow = (await request(listApp).get(`/v1/trajectories?municipality=${municipality}&definitionId=traag`)).body;
    expect(slow.items.map((t: { id: string }) => t.id)).toEqual([ids.c]);

    const bad = await request(listApp).get(`/v1/trajectories?overdue=soms&municipality=Amsterdam&nope=1`);
    expectProblem(bad, 400, 'invalid-request');
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/query/municipality', '/query/nope', '/query/overdue']);
  });

  it('refuses an unknown definition with a suggestion', async () => {
    const res = await request(app).post('/v1/trajectories').send({ caseRef: uniqueId('ZAAK'), municipality: 'GM0363', definitionId: 'gezinstrajekt' });
    expectProblem(res, 400, 'invalid-request');
    expect(res.body.errors[0]).toMatchObject({ path: '/body/definitionId', message: expect.stringMatching(/did you mean "gezinstraject"/) });
  });

  it('answers unknown trajectories and routes with 404 problem+json', async () => {
    expectProblem(await request(app).get('/v1/trajectories/GM0363-bestaat-niet'), 404, 'not-found');
    expectProblem(await request(app).get('/v1/trajectories/not an id'), 400, 'invalid-request');
    expectProblem(await request(app).post('/v1/trajectories/GM0363-bestaat-niet/close').send({ reason: 'x' }), 404, 'not-found');
    expectProblem(await request(app).get('/v1/nothing-here'), 404, 'not-found');
  });

  it('reports liveness and readiness against the Temporal server', async () => {
    await request(app).get('/v1/health/live').expect(200, { status: 'ok' });
    const ready = await request(app).get('/v1/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.temporal).toBe('reachable');
  });
});

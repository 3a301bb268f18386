/**
 * The HTTP API end to end: supertest against the real app (authentication included), a real worker and the Temporal
 * dev server. Every refusal is checked to be problem+json and to change nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { signToken } from '../api/auth.js';
import { createMetrics } from '../runtime/metrics.js';
import { apiRoutes } from '../api/app.js';
import { scrub } from '../runtime/logger.js';
import { openApiPath } from '../api/route.js';
import { uniqueId, useTemporal } from './helpers/temporal.js';
import { shipped } from './helpers/definitions.js';
import { as, exists as existsIn, expectProblem, historyLength as historyLengthOf, TEST_SECRET, testApp } from './helpers/api.js';
import { validateDefinition } from '../definitions/validate.js';
import { DefinitionRegistry } from '../definitions/registry.js';
import type { Definition } from '../definitions/schema.js';
import { ClosedStepView, TrajectoryState, TrajectoryList, Inbox } from '../api/schemas.js';

const metrics = createMetrics();
const temporal = useTemporal({ worker: { taskQueue: 'api', activityDeps: { escalationsRaised: metrics.escalationsRaised } } });
const { taskQueue } = temporal;
let app: ReturnType<typeof testApp>;

beforeAll(() => {
  app = testApp(temporal.client, shipped, taskQueue, { metrics });
});

const historyLength = (workflowId: string) => historyLengthOf(temporal.client, workflowId);
const exists = (workflowId: string) => existsIn(temporal.client, workflowId);

function define(raw: Record<string, unknown>): Definition {
  const r = validateDefinition(raw, { activities: [] });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.definition;
}

/** A definition whose first step is due in a second, with a ladder: owner at once, teamleider after an hour. */
const quick = () =>
  define({
    id: 'snel',
    version: 1,
    name: 'Snel',
    roles: [{ id: 'regisseur', name: 'Regisseur' }, { id: 'teamleider', name: 'Teamleider' }],
    escalationPolicies: { kort: { levels: [{ role: 'owner', after: 'PT0S' }, { role: 'teamleider', after: 'PT1H' }] } },
    defaultEscalationPolicy: 'kort',
    phases: [{ id: 'a', name: 'A', start: 'x', nodes: [{ id: 'x', type: 'userTask', owner: 'regisseur', due: 'PT1S', next: 'y' }, { id: 'y', type: 'userTask', owner: 'regisseur', due: 'P1D', next: 'e' }, { id: 'e', type: 'end' }] }],
  });

const randomMunicipality = () => `GM9${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`;

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, tries = 100): Promise<T> {
  let v = await read();
  for (let i = 0; i < tries && !done(v); i++) {
    await new Promise((r) => setTimeout(r, 150));
    v = await read();
  }
  return v;
}

describe('API end to end', () => {
  it('starts a trajectory over HTTP and reads its state back', async () => {
    const cs = await as(app, 'case-system');
    const caseRef = uniqueId('ZAAK');
    const started = await cs.post('/v1/trajectories').send({ caseRef });
    expect(started.status).toBe(201);
    const id = `GM0363-${caseRef}`;
    expect(started.body.id).toBe(id);
    expect(started.headers.location).toBe(`/v1/trajectories/${id}`);

    const state = await cs.get(`/v1/trajectories/${id}`);
    expect(state.status).toBe(200);
    expect(TrajectoryState.safeParse(state.body).success).toBe(true);
    expect(state.body).toMatchObject({
      id,
      caseRef,
      municipality: 'GM0363',
      definition: { id: 'gezinstraject', version: 1 },
      status: 'open',
      phase: { id: 'intake', name: 'Aanmelding' },
      openSteps: [{ id: 'assign-director', owner: 'teamleider', openForSeconds: expect.any(Number) }],
      startedBy: 'case-system-1',
    });
    // An operator of the municipality reads it too.
    expect((await (await as(app, 'operator')).get(`/v1/trajectories/${id}`)).status).toBe(200);
    // The worker really ran it on the server: the history holds the started and completed workflow task.
    const events = (await temporal.client.workflow.getHandle(id).fetchHistory()).events ?? [];
    expect(events.some((e) => e.workflowTaskCompletedEventAttributes)).toBe(true);
  });

  it('refuses to start the same case twice, linking to the existing trajectory', async () => {
    const cs = await as(app, 'case-system', 'GM0014');
    const caseRef = uniqueId('ZAAK');
    await cs.post('/v1/trajectories').send({ caseRef, municipality: 'GM0014' }).expect(201);
    const again = await cs.post('/v1/trajectories').send({ caseRef });
    expectProblem(again, 409, 'conflict');
    expect(again.body.existing).toBe(`/v1/trajectories/GM0014-${caseRef}`);
  });

  it('closes a trajectory once, and re-opens it; an invalid or repeated close changes nothing', async () => {
    const cs = await as(app, 'case-system');
    const caseRef = uniqueId('ZAAK');
    const id = `GM0363-${caseRef}`;
    await cs.post('/v1/trajectories').send({ caseRef }).expect(201);
    await cs.post(`/v1/trajectories/${id}/steps/assign-director/complete`).send({}).expect(200);

    const before = await historyLength(id);
    expectProblem(await cs.post(`/v1/trajectories/${id}/close`).send({ reason: '' }), 400, 'invalid-request');
    expectProblem(await cs.post(`/v1/trajectories/${id}/reopen`).send({ reason: 'terug' }), 409, 'conflict');
    expect(await historyLength(id)).toBe(before);

    const closed = await cs.post(`/v1/trajectories/${id}/close`).send({ reason: 'doelen behaald' });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed', closeReason: 'doelen behaald', closedBy: 'case-system-1' });

    const after = await historyLength(id);
    expectProblem(await cs.post(`/v1/trajectories/${id}/close`).send({ reason: 'nogmaals' }), 409, 'conflict');
    expectProblem(await cs.post(`/v1/trajectories/${id}/events`).send({ event: 'family-contact' }), 409, 'conflict');
    expectProblem(await cs.post(`/v1/trajectories/${id}/steps/first-contact/complete`).send({}), 409, 'conflict');
    const badPhase = await cs.post(`/v1/trajectories/${id}/reopen`).send({ reason: 'terug', phase: 'safty' });
    expectProblem(badPhase, 400, 'invalid-request');
    expect(badPhase.body.errors[0]).toMatchObject({ path: '/body/phase', message: expect.stringMatching(/did you mean "safety"/) });
    expect(await historyLength(id)).toBe(after);
    expect((await cs.get(`/v1/trajectories/${id}`)).body.status).toBe('closed');

    // Re-opened: the same trajectory (same id, its steps kept) goes on in the phase it closed in.
    const reopened = await cs.post(`/v1/trajectories/${id}/reopen`).send({ reason: 'gezin meldt zich opnieuw' });
    expect(reopened.status).toBe(200);
    expect(reopened.body).toMatchObject({ id, status: 'open', phase: { id: 'intake' } });
    expect(reopened.body.completedSteps.map((s: { id: string }) => s.id)).toContain('assign-director');
    expect(reopened.body.reopenings).toMatchObject([{ by: 'case-system-1', reason: 'gezin meldt zich opnieuw' }]);

    // Listed once, as the open trajectory it is again (its closed run is history), and not among the closed ones.
    const listed = await until(
      async () => (await cs.get('/v1/trajectories?limit=200')).body.items.filter((t: { id: string }) => t.id === id),
      (found: Array<{ status: string }>) => found.length === 1 && found[0]!.status === 'open',
    );
    expect(listed).toMatchObject([{ id, status: 'open' }]);
    const closedOnes = (await cs.get('/v1/trajectories?status=closed&limit=200')).body.items.map((t: { id: string }) => t.id);
    expect(closedOnes).not.toContain(id);
  });

  it('answers bad input with precise problem+json and starts nothing', async () => {
    const cs = await as(app, 'case-system');
    const caseRef = uniqueId('ZAAK');
    const bad = await cs.post('/v1/trajectories').send({ caseRef: 'met spatie', municipality: 'Amsterdam', nickname: 'x' });
    expectProblem(bad, 400, 'invalid-request');
    const paths = (bad.body.errors as Array<{ path: string }>).map((e) => e.path).sort();
    expect(paths).toEqual(['/body/caseRef', '/body/municipality', '/body/nickname']);

    // A BSN (passes the elfproef) is refused as a case reference.
    const bsn = await cs.post('/v1/trajectories').send({ caseRef: '111222333' });
    expectProblem(bsn, 400, 'invalid-request');
    expect(bsn.body.errors[0]).toMatchObject({ path: '/body/caseRef', message: expect.stringMatching(/BSN/) });
    expect(await exists('GM0363-111222333')).toBe(false);

    // Wrong types; the who-field that the token now decides; another municipality in the body.
    const typed = await cs.post('/v1/trajectories').send({ caseRef: 42, data: 'x' });
    expectProblem(typed, 400, 'invalid-request');
    expect(typed.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/body/caseRef', '/body/data']);
    const otherTenant = await cs.post('/v1/trajectories').send({ caseRef, municipality: 'GM0014' });
    expectProblem(otherTenant, 403, 'forbidden');
    expect(otherTenant.body.detail).toMatch(/acts for GM0363 only/);

    expectProblem(await cs.post('/v1/trajectories').set('content-type', 'application/json').send('{"caseRef": '), 400, 'malformed-json');
    expectProblem(await cs.post('/v1/trajectories').set('content-type', 'text/plain').send(`caseRef=${caseRef}`), 415, 'unsupported-media-type');
    expectProblem(await cs.post('/v1/trajectories').send({ caseRef, pad: 'x'.repeat(200_000) }), 413, 'payload-too-large');
    const gzip = await cs.post('/v1/trajectories').set('content-type', 'application/json').set('content-encoding', 'gzip').send('not gzip at all');
    expectProblem(gzip, 400, 'invalid-request');
    expectProblem(await cs.get('/v1/trajectories/GM0363-%E0%A4%A'), 400, 'invalid-request');
    expect(await exists(`GM0363-${caseRef}`)).toBe(false);
  });

  it('refuses missing, expired, forged and wrongly-claimed tokens, wrong roles and other tenants, changing nothing', async () => {
    const cs = await as(app, 'case-system');
    const caseRef = uniqueId('ZAAK');
    const id = `GM0363-${caseRef}`;
    await cs.post('/v1/trajectories').send({ caseRef }).expect(201);
    const before = await historyLength(id);

    // No token, not a bearer JWT, expired, signed with another key, missing claims: 401 with WWW-Authenticate.
    const none = await request(app).get(`/v1/trajectories/${id}`);
    expectProblem(none, 401, 'unauthorized');
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expectProblem(await request(app).get(`/v1/trajectories/${id}`).set('authorization', 'Basic dXNlcjpwdw=='), 401, 'unauthorized');
    const expired = await (await as(app, 'case-system', 'GM0363', { expiresIn: -3600 })).post(`/v1/trajectories/${id}/close`).send({ reason: 'x' });
    expectProblem(expired, 401, 'unauthorized');
    expect(expired.body.detail).toMatch(/expired/);
    const forged = await signToken('another-secret-that-is-long-enough-0123', { subject: 'x', municipality: 'GM0363', role: 'case-system' });
    expectProblem(await request(app).post(`/v1/trajectories/${id}/close`).set('authorization', `Bearer ${forged}`).send({ reason: 'x' }), 401, 'unauthorized');
    const noRole = await signToken(TEST_SECRET, { subject: 'x', municipality: 'GM0363', role: 'burgemeester' as never });
    const noRoleRes = await request(app).get(`/v1/trajectories/${id}`).set('authorization', `Bearer ${noRole}`);
    expectProblem(noRoleRes, 401, 'unauthorized');
    expect(noRoleRes.body.detail).toMatch(/"role" claim/);

    // Wrong role: 403, naming the roles that may.
    const manager = await as(app, 'manager');
    const operator = await as(app, 'operator');
    expectProblem(await manager.post(`/v1/trajectories/${id}/steps/assign-director/complete`).send({}), 403, 'forbidden');
    expectProblem(await operator.post('/v1/trajectories').send({ caseRef: uniqueId('ZAAK') }), 403, 'forbidden');
    expectProblem(await operator.post(`/v1/trajectories/${id}/close`).send({ reason: 'x' }), 403, 'forbidden');
    expectProblem(await cs.post(`/v1/trajectories/${id}/escalations/x@0/decisions`).send({ type: 'instruction', text: 'x', reason: 'y' }), 403, 'forbidden');
    expectProblem(await manager.get(`/v1/trajectories/${id}`), 403, 'forbidden');

    // Another municipality's token: the trajectory does not exist for it (404, not 403), and nothing changes.
    const other = await as(app, 'case-system', 'GM0014');
    expectProblem(await other.get(`/v1/trajectories/${id}`), 404, 'not-found');
    expectProblem(await other.post(`/v1/trajectories/${id}/steps/assign-director/complete`).send({}), 404, 'not-found');
    expectProblem(await other.post(`/v1/trajectories/${id}/events`).send({ event: 'family-contact' }), 404, 'not-found');
    expectProblem(await other.post(`/v1/trajectories/${id}/close`).send({ reason: 'x' }), 404, 'not-found');
    expectProblem(await (await as(app, 'operator', 'GM0014')).post(`/v1/trajectories/${id}/pause`).send({ reason: 'x' }), 404, 'not-found');
    expectProblem(await (await as(app, 'manager', 'GM0014')).post(`/v1/trajectories/${id}/escalations/x@0/acknowledge`).send({}), 404, 'not-found');
    const otherList = await (await as(app, 'operator', 'GM0014')).get('/v1/trajectories?municipality=GM0363');
    expectProblem(otherList, 403, 'forbidden');

    expect(await historyLength(id)).toBe(before);
    expect((await cs.get(`/v1/trajectories/${id}`)).body).toMatchObject({ status: 'open', openSteps: [{ id: 'assign-director' }] });
  });

  it('completes steps and reports events through the workflow as the token\'s subject, refusing what is not open or not known', async () => {
    const cs = await as(app, 'case-system', 'GM0363', { subject: 'teamleider-3' });
    const caseRef = uniqueId('ZAAK');
    const id = `GM0363-${caseRef}`;
    await cs.post('/v1/trajectories').send({ caseRef }).expect(201);
    const done = await cs.post(`/v1/trajectories/${id}/steps/assign-director/complete`).send({});
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id: 'assign-director', outcome: 'completed', closedBy: 'teamleider-3' });
    expect(ClosedStepView.safeParse(done.body).success).toBe(true);
    expect(done.body.ladder).toBeUndefined();
    expect(Number.isNaN(Date.parse(done.body.closedAt))).toBe(false);

    const before = await historyLength(id);
    expectProblem(await cs.post(`/v1/trajectories/${id}/steps/assign-director/complete`).send({}), 409, 'conflict');
    expectProblem(await cs.post(`/v1/trajectories/${id}/steps/housing/complete`).send({}), 409, 'conflict');
    expectProblem(await cs.post(`/v1/trajectories/${id}/steps/first-contact/complete`).send({ completedBy: 'iemand' }), 400, 'invalid-request');
    const badEvent = await cs.post(`/v1/trajectories/${id}/events`).send({ event: 'plan-agred' });
    expectProblem(badEvent, 400, 'invalid-request');
    expect(badEvent.body.errors[0].message).toMatch(/did you mean "plan-agreed"/);
    expect(await historyLength(id)).toBe(before);

    await cs.post(`/v1/trajectories/${id}/events`).send({ event: 'family-contact' }).expect(202);
    const state = await cs.get(`/v1/trajectories/${id}`);
    expect(Object.keys(state.body.lastEventAt)).toEqual(['family-contact']);
    expect(state.body.events.at(-1)).toMatchObject({ event: 'family-contact', reportedBy: 'teamleider-3' });
  });

  it('serves the escalation inbox; managers acknowledge and decide as themselves; operators pause, resume and reschedule', async () => {
    const municipality = randomMunicipality();
    const quickApp = testApp(temporal.client, registryOf(quick()), taskQueue, { metrics });
    const cs = await as(quickApp, 'case-system', municipality);
    const manager = await as(quickApp, 'manager', municipality, { subject: 'teamleider-3' });
    const wethouder = await as(quickApp, 'manager', municipality, { subject: 'wethouder-1', escalationRoles: ['wethouder'] });
    const operator = await as(quickApp, 'operator', municipality, { subject: 'operator-7' });
    const caseRef = uniqueId('ZAAK');
    const id = `${municipality}-${caseRef}`;
    await cs.post('/v1/trajectories').send({ caseRef, definitionId: 'snel' }).expect(201);
    const state = await until(
      async () => (await cs.get(`/v1/trajectories/${id}`)).body,
      (s) => s.escalations?.length > 0,
    );
    expect(state.escalations[0]).toMatchObject({ id: 'x@0', level: 0, role: 'regisseur' });

    // The inbox (from visibility: wait until the escalation level is indexed).
    const inbox = await until(
      async () => (await manager.get('/v1/escalations?state=open')).body,
      (b) => b.count === 1,
    );
    expect(Inbox.safeParse(inbox).success).toBe(true);
    expect(inbox.items[0]).toMatchObject({ id: 'x@0', trajectoryId: id, state: 'open', role: 'regisseur', links: { acknowledge: `/v1/trajectories/${id}/escalations/x@0/acknowledge` } });
    expect((await wethouder.get('/v1/escalations')).body.count).toBe(0);
    expectProblem(await wethouder.get('/v1/escalations?role=regisseur'), 403, 'forbidden');
    expectProblem(await wethouder.post(`/v1/trajectories/${id}/escalations/x@0/acknowledge`).send({}), 404, 'not-found');

    const ack = await manager.post(`/v1/trajectories/${id}/escalations/x@0/acknowledge`).send({});
    expect(ack.status).toBe(200);
    // A manager gets the escalation back, not the trajectory's state.
    expect(ack.body).toMatchObject({ id: 'x@0', trajectoryId: id, state: 'acknowledged', acknowledgedBy: 'teamleider-3' });
    expect(ack.body.openSteps).toBeUndefined();
    expect(ack.body.data).toBeUndefined();
    expect((await manager.get('/v1/escalations?state=acknowledged')).body.items.map((e: { id: string }) => e.id)).toEqual(['x@0']);
    expect((await manager.get('/v1/escalations?state=open')).body.count).toBe(0);

    const newDue = new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();
    const decided = await manager
      .post(`/v1/trajectories/${id}/escalations/x@0/decisions`)
      .send({ type: 'new-deadline', dueAt: newDue, reason: 'wacht op de corporatie' });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({
      id: 'x@0',
      resolution: 'new-deadline',
      decisions: [{ type: 'new-deadline', dueAt: newDue, decidedBy: 'teamleider-3', reason: 'wacht op de corporatie' }],
    });
    expect((await operator.get(`/v1/trajectories/${id}`)).body.openSteps[0].dueAt).toBe(newDue);
    expect((await manager.get(`/v1/escalations`)).body).toEqual({ items: [], count: 0, truncated: false });

    // Refusals change nothing: a decision on a resolved escalation, an unknown escalation, a bad decision body,
    // a body that names who decided (the token decides that).
    const before = await historyLength(id);
    expectProblem(await manager.post(`/v1/trajectories/${id}/escalations/x@0/decisions`).send({ type: 'instruction', text: 'x', reason: 'z' }), 409, 'conflict');
    expectProblem(await manager.post(`/v1/trajectories/${id}/escalations/x@7/acknowledge`).send({}), 404, 'not-found');
    expectProblem(await manager.post(`/v1/trajectories/${id}/escalations/x@0/decisions`).send({ type: 'doorbraak', reason: 'z' }), 400, 'invalid-request');
    const named = await manager.post(`/v1/trajectories/${id}/escalations/x@0/decisions`).send({ type: 'instruction', text: 'x', reason: 'z', decidedBy: 'wethouder' });
    expectProblem(named, 400, 'invalid-request');
    expect(named.body.errors).toEqual([{ path: '/body/decidedBy', message: expect.any(String) }]);
    expect(await historyLength(id)).toBe(before);

    const paused = await operator.post(`/v1/trajectories/${id}/pause`).send({ reason: 'gezin in het buitenland' });
    expect(paused.body.paused).toMatchObject({ reason: 'gezin in het buitenland', by: 'operator-7' });
    expectProblem(await operator.post(`/v1/trajectories/${id}/pause`).send({ reason: 'nogmaals' }), 409, 'conflict');
    const blank = await operator.post(`/v1/trajectories/${id}/resume`).send({ stepId: 'x', extra: 1 });
    expectProblem(blank, 400, 'invalid-request');
    expect((await operator.post(`/v1/trajectories/${id}/steps/x/reschedule`).send({ dueAt: newDue, reason: '   ' })).body.errors).toEqual([
      { path: '/body/reason', message: 'must not be blank' },
    ]);
    const resumed = await operator.post(`/v1/trajectories/${id}/resume`).send({});
    expect(resumed.body.paused).toBeUndefined();
    expect(Date.parse(resumed.body.openSteps[0].dueAt)).toBeGreaterThan(Date.parse(newDue));

    const later = new Date(Date.now() + 14 * 24 * 3600 * 1000).toISOString();
    const moved = await operator.post(`/v1/trajectories/${id}/steps/x/reschedule`).send({ dueAt: later, reason: 'MDO verzet' });
    expect(moved.body.openSteps[0]).toMatchObject({ dueAt: later, reschedules: expect.arrayContaining([expect.objectContaining({ reason: 'MDO verzet', by: 'operator-7' })]) });

    // The worker of this process counted the escalation by level, in the registry it shares with the app (served on
    // the metrics port, not by the API).
    const scraped = await metrics.registry.metrics();
    expect(scraped).toMatch(new RegExp(`waakvlam_escalations_raised_total\\{level="0",municipality="${municipality}"\\} 1`));
  });

  it('lists trajectories from the visibility store, and the overdue filter finds exactly the overdue ones', async () => {
    const def = (id: string, due: string) =>
      define({ id, version: 1, name: id, roles: [{ id: 'regisseur', name: 'Regisseur' }], phases: [{ id: 'a', name: 'A', start: 'x', nodes: [{ id: 'x', type: 'userTask', owner: 'regisseur', due, next: 'e' }, { id: 'e', type: 'end' }] }] });
    const listApp = testApp(temporal.client, registryOf(def('snel', 'PT1S'), def('traag', 'P1D')), taskQueue);
    const municipality = randomMunicipality();
    const cs = await as(listApp, 'case-system', municipality);
    const operator = await as(listApp, 'operator', municipality);
    const ids: Record<string, string> = {};
    for (const [name, definitionId] of [['a', 'snel'], ['b', 'snel'], ['c', 'traag']] as const) {
      ids[name] = (await cs.post('/v1/trajectories').send({ caseRef: uniqueId(`LIJST-${name}`), definitionId })).body.id;
    }
    await new Promise((r) => setTimeout(r, 1500)); // the quick ones fall due
    const overdue = await until(async () => (await operator.get('/v1/trajectories?overdue=true')).body, (b) => b.count === 2, 50);
    expect(TrajectoryList.safeParse(overdue).success).toBe(true);
    expect(overdue.items.map((t: { id: string }) => t.id).sort()).toEqual([ids.a, ids.b].sort());
    expect(overdue.items[0]).toMatchObject({ municipality, status: 'open', phase: 'a', openSteps: 1, definition: { id: 'snel', version: 1 } });

    const all = await until(async () => (await cs.get(`/v1/trajectories?municipality=${municipality}&phase=a`)).body, (b) => b.count === 3, 50);
    expect(all.count).toBe(3);
    const slow = (await operator.get('/v1/trajectories?definitionId=traag')).body;
    expect(slow.items.map((t: { id: string }) => t.id)).toEqual([ids.c]);
    // Another municipality lists none of them.
    expect((await (await as(listApp, 'operator', randomMunicipality())).get('/v1/trajectories?overdue=true')).body.count).toBe(0);

    const far = await operator.get(`/v1/trajectories?deadlineBefore=${encodeURIComponent('9999-12-31T23:59:59-23:59')}`);
    expectProblem(far, 400, 'invalid-request');
    expect(far.body.errors[0]).toMatchObject({ path: '/query/deadlineBefore', message: 'must lie between 1970 and 2199' });
    // Both filters at once: due before now and before the date (here: before 2000, so none).
    expect((await operator.get(`/v1/trajectories?overdue=true&deadlineBefore=2000-01-01T00:00:00Z`)).body.count).toBe(0);
    // A path served for POST only answers every other method with 405, even where `/v1/definitions/:definitionId` matches.
    expect((await operator.get('/v1/definitions/validate')).status).toBe(405);
    const wrongMethod = await request(listApp).delete('/v1/definitions/validate');
    expectProblem(wrongMethod, 405, 'method-not-allowed');
    expect(wrongMethod.headers.allow).toBe('POST');
    const bad = await operator.get(`/v1/trajectories?overdue=soms&municipality=Amsterdam&nope=1`);
    expectProblem(bad, 400, 'invalid-request');
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/query/municipality', '/query/nope', '/query/overdue']);
  });

  it('lists, reads, validates and registers definitions per municipality; a trajectory keeps its version', async () => {
    const municipality = randomMunicipality();
    const operator = await as(app, 'operator', municipality, { subject: 'beheerder-2' });
    const cs = await as(app, 'case-system', municipality);
    const listed = await operator.get('/v1/definitions');
    expect(listed.body.items).toEqual([{ id: 'gezinstraject', name: expect.stringMatching(/^Gezinstraject/), versions: [{ version: 1, source: 'shipped' }] }]);
    const v1 = (await cs.get('/v1/definitions/gezinstraject')).body;
    expect(v1).toMatchObject({ id: 'gezinstraject', version: 1 });

    // Validate: every problem with its path, nothing registered.
    const broken = { ...v1, version: 2, defaultEscalationPolicy: 'standard', phases: [{ ...v1.phases[0], start: 'asign-director' }, ...v1.phases.slice(1)] };
    const checked = await cs.post('/v1/definitions/validate').send(broken);
    expect(checked.status).toBe(200);
    expect(checked.body.valid).toBe(false);
    expect(checked.body.problems).toEqual(
      expect.arrayContaining([
        { path: '/defaultEscalationPolicy', message: 'unknown escalation policy "standard"', suggestion: 'standaard' },
        { path: '/phases/0/start', message: expect.stringMatching(/unknown node "asign-director"/), suggestion: 'assign-director' },
      ]),
    );
    const refused = await operator.post('/v1/definitions').send(broken);
    expectProblem(refused, 422, 'unprocessable');
    expect(refused.body.errors).toEqual(
      expect.arrayContaining([
        { path: '/body/defaultEscalationPolicy', message: 'unknown escalation policy "standard" (did you mean "standaard"?)' },
        { path: '/body/phases/0/start', message: expect.stringMatching(/did you mean "assign-director"/) },
      ]),
    );
    expectProblem(await cs.post('/v1/definitions').send({ ...v1, version: 2 }), 403, 'forbidden');
    expect((await operator.get('/v1/definitions')).body.items[0].versions).toHaveLength(1);

    // Register v2 (an intake of 5 days instead of 3) and start with it; a trajectory on v1 keeps v1.
    const onV1 = uniqueId('ZAAK');
    await cs.post('/v1/trajectories').send({ caseRef: onV1 }).expect(201);
    const v2 = structuredClone(v1);
    v2.version = 2;
    v2.phases[0].nodes[0].due = { workingDays: 5 };
    const registered = await operator.post('/v1/definitions').send(v2);
    expect(registered.status).toBe(201);
    expect(registered.headers.location).toBe('/v1/definitions/gezinstraject?version=2');
    expectProblem(await operator.post('/v1/definitions').send({ ...v2, name: 'Anders' }), 409, 'conflict');
    expect((await operator.get('/v1/definitions')).body.items[0].versions).toEqual([
      { version: 1, source: 'shipped' },
      { version: 2, source: 'registered', registeredBy: 'beheerder-2', registeredAt: expect.any(String) },
    ]);
    expect((await cs.get('/v1/definitions/gezinstraject?version=2')).body.phases[0].nodes[0].due).toEqual({ workingDays: 5 });
    expectProblem(await cs.get('/v1/definitions/gezinstraject?version=9'), 404, 'not-found');

    const onV2 = uniqueId('ZAAK');
    await cs.post('/v1/trajectories').send({ caseRef: onV2 }).expect(201);
    expect((await cs.get(`/v1/trajectories/${municipality}-${onV2}`)).body.definition).toMatchObject({ version: 2 });
    expect((await cs.get(`/v1/trajectories/${municipality}-${onV1}`)).body.definition).toMatchObject({ version: 1 });
    // Another municipality does not see it.
    expect((await (await as(app, 'operator', randomMunicipality())).get('/v1/definitions')).body.items[0].versions).toHaveLength(1);
  });

  it('refuses an unknown definition with a suggestion', async () => {
    const res = await (await as(app, 'case-system')).post('/v1/trajectories').send({ caseRef: uniqueId('ZAAK'), definitionId: 'gezinstrajekt' });
    expectProblem(res, 400, 'invalid-request');
    expect(res.body.errors[0]).toMatchObject({ path: '/body/definitionId', message: expect.stringMatching(/did you mean "gezinstraject"/) });
  });

  it('answers unknown trajectories and routes with 404 problem+json', async () => {
    const cs = await as(app, 'case-system');
    expectProblem(await cs.get('/v1/trajectories/GM0363-bestaat-niet'), 404, 'not-found');
    expectProblem(await cs.get('/v1/trajectories/not an id'), 400, 'invalid-request');
    expectProblem(await cs.post('/v1/trajectories/GM0363-bestaat-niet/close').send({ reason: 'x' }), 404, 'not-found');
    expectProblem(await request(app).get('/v1/nothing-here'), 404, 'not-found');
    const put = await request(app).put('/v1/trajectories').send({});
    expectProblem(put, 405, 'method-not-allowed');
    expect(put.headers.allow).toBe('GET, HEAD, POST');
  });

  it('documents every route in the OpenAPI 3.1 document and on a browsable page', async () => {
    const doc = (await request(app).get('/v1/openapi.json').expect(200)).body;
    expect(doc.openapi).toBe('3.1.0');
    // A valid OpenAPI 3.1 document (against the specification's own JSON Schema).
    const validator = new Validator();
    const checked = await validator.validate(structuredClone(doc));
    expect(checked.errors ?? [], JSON.stringify(checked.errors)).toEqual([]);
    expect(checked.valid).toBe(true);
    // Every route Express serves is in the document, with the same method.
    // (The 405 answers for other methods on the same paths are not routes of their own.)
    const served = (app.router.stack as Array<{ route?: { path: string; methods: Record<string, boolean>; stack: Array<{ name: string }> } }>)
      .filter((l) => l.route && l.route.stack[0]?.name !== 'methodNotAllowed')
      .flatMap((l) => Object.keys(l.route!.methods).map((m) => `${m} ${openApiPath(l.route!.path)}`))
      .sort();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`))
      .sort();
    expect(served.length).toBeGreaterThanOrEqual(20);
    expect(documented).toEqual(served);
    // Request schemas come from the zod schemas that validate: unknown fields are refused in both.
    const start = doc.paths['/v1/trajectories'].post;
    expect(start.requestBody.content['application/json'].schema).toMatchObject({ additionalProperties: false, required: ['caseRef'] });
    expect(start['x-roles']).toEqual(['case-system']);
    expect(Object.keys(start.responses)).toEqual(['201', '400', '401', '403', '409', '413', '415', '429', '500', '503']);
    expect(Object.keys(doc.paths['/v1/definitions'].post.responses)).toEqual(expect.arrayContaining(['201', '409', '422']));
    expect(Object.keys(doc.paths['/v1/health/ready'].get.responses)).toEqual(['200', '500', '503']);
    expect(start.responses['401'].content['application/problem+json']).toBeDefined();
    // The list of routes is the one table (a route added without documentation cannot exist).
    expect(apiRoutes).toBeTypeOf('function');

    // The page is Swagger UI on this document, its files from this origin (test/openapi.test.ts checks them).
    const page = await request(app).get('/v1/docs').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'; style-src 'self'/);
    expect(page.text).toContain('<script src="/v1/docs/assets/swagger-ui-bundle.js"></script>');
    await request(app).get('/v1/docs/assets/docs-init.js').expect(200).expect(/url: '\/v1\/openapi\.json'/);
  });

  it('sends security headers, limits each client\'s rate and exports request metrics', async () => {
    const limited = testApp(temporal.client, shipped, taskQueue, { rateLimitPerMinute: 3 });
    const cs = await as(limited, 'case-system', 'GM0363', { subject: 'druk-systeem' });
    for (let i = 0; i < 3; i++) expect((await cs.get('/v1/definitions')).status).toBe(200);
    const tooMany = await cs.get('/v1/definitions');
    expectProblem(tooMany, 429, 'too-many-requests');
    expect(Number(tooMany.headers['retry-after'])).toBeGreaterThan(0);
    // Another client is not affected.
    expect((await (await as(limited, 'case-system', 'GM0363', { subject: 'ander-systeem' })).get('/v1/definitions')).status).toBe(200);

    const live = await request(app).get('/v1/health/live').expect(200, { status: 'ok' });
    expect(live.headers['x-content-type-options']).toBe('nosniff');
    expect(live.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(live.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(live.headers['x-powered-by']).toBeUndefined();

    // Unknown query parameters are refused on every route, not ignored.
    const unknown = await (await as(app, 'operator')).get('/v1/definitions?sort=naam');
    expectProblem(unknown, 400, 'invalid-request');
    expect(unknown.body.errors).toEqual([{ path: '/query/sort', message: expect.any(String) }]);
    // Logged error messages lose their case references.
    expect(scrub('trajectory GM0363-ZAAK-2026-0042 is not running')).toBe('trajectory GM0363-<case> is not running');

    // Metrics are not in the public API (the entry points serve the registry on WAAKVLAM_METRICS_PORT).
    expectProblem(await request(app).get('/v1/metrics'), 404, 'not-found');
    expect(Object.keys((await request(app).get('/v1/openapi.json')).body.paths)).not.toContain('/v1/metrics');
    // A definition a municipality registered counts as `registered`: its own id is not a label.
    const municipality = randomMunicipality();
    const operator = await as(app, 'operator', municipality, { subject: 'beheerder-9' });
    const own = { ...quick(), id: 'wijkaanpak-noord-pilot', phases: [{ id: 'a', name: 'A', start: 'x', nodes: [{ id: 'x', type: 'userTask', owner: 'regisseur', due: 'P1D', next: 'e' }, { id: 'e', type: 'end' }] }] };
    await operator.post('/v1/definitions').send(own).expect(201);
    await (await as(app, 'case-system', municipality)).post('/v1/trajectories').send({ caseRef: uniqueId('ZAAK'), definitionId: own.id }).expect(201);

    const scraped = await metrics.registry.metrics();
    expect(scraped).toMatch(/waakvlam_http_requests_total\{method="GET",route="\/v1\/trajectories\/:id",status="200"\} \d+/);
    expect(scraped).toMatch(/waakvlam_http_request_duration_seconds_bucket\{le="0.1",method="POST",route="\/v1\/trajectories",status="201"\}/);
    expect(scraped).toMatch(/waakvlam_trajectories_started_total\{municipality="GM0363",definition="gezinstraject"\} \d+/);
    expect(scraped).toMatch(new RegExp(`waakvlam_trajectories_started_total\\{municipality="${municipality}",definition="registered"\\} 1`));
    expect(scraped).not.toContain(own.id);
    expect(scraped).not.toMatch(/ZAAK/); // no case references in metrics
  });

  it('reports liveness and readiness against the Temporal server', async () => {
    await request(app).get('/v1/health/live').expect(200, { status: 'ok' });
    const ready = await request(app).get('/v1/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.temporal).toBe('reachable');
  });
});

function registryOf(...definitions: Definition[]): DefinitionRegistry {
  const registry = new DefinitionRegistry();
  for (const d of definitions) registry.register(d);
  return registry;
}

/**
 * Step and escalation ids in the API (issue #10, point 5): every id the API shows is safe in a URL path segment as it
 * is (`goals:doel-fin-7731`, `checkin~2`, `goals:doel-fin-7731~2@0`), every route that takes one accepts it unencoded,
 * and the engine's spelling is still accepted where it arrives percent-encoded. supertest against the real app, a
 * real worker and the dev server.
 */
import { describe, expect, it } from 'vitest';
import { DefinitionRegistry } from '../definitions/registry.js';
import { InboxItem, TrajectoryState } from '../api/schemas.js';
import { uniqueId, useTemporal } from './helpers/temporal.js';
import { as, testApp } from './helpers/api.js';
import { goalsLoopDefinition } from './helpers/notifying.js';

const temporal = useTemporal({ worker: { taskQueue: 'ids' } });
const { taskQueue } = temporal;

const definition = () => goalsLoopDefinition({ teamleiderAfter: 'P1D', checkinDue: 'P1D' });

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, tries = 75): Promise<T> {
  let v = await read();
  for (let i = 0; i < tries && !done(v); i++) {
    await new Promise((r) => setTimeout(r, 200));
    v = await read();
  }
  return v;
}

/** RFC 3986 pchar: unreserved, sub-delims, ':' and '@' (no percent-encoding needed). */
const PATH_SEGMENT = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]+$/;
const doelen = [
  { id: 'doel-fin-7731', titel: 'Schulden', eigenaar: 'regisseur' },
  { id: 'doel-woon-12', titel: 'Woning', eigenaar: 'regisseur' },
];

describe('step and escalation ids in the API', () => {
  it('are shown safe in a path, taken unencoded by every route, and taken in the old spelling percent-encoded', async () => {
    const registry = new DefinitionRegistry();
    registry.register(definition());
    const app = testApp(temporal.client, registry, taskQueue);
    const municipality = `GM7${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`;
    const cs = await as(app, 'case-system', municipality);
    const manager = await as(app, 'manager', municipality, { subject: 'teamleider-3' });
    const id = (await cs.post('/v1/trajectories').send({ caseRef: uniqueId('ZAAK'), definitionId: 'ids', data: { doelen } }).expect(201)).body.id;
    const state = () => cs.get(`/v1/trajectories/${id}`).then((r) => r.body);

    // The state: step ids and escalation ids (and their step ids) in the API's spelling.
    const raised = await until(state, (s) => s.escalations?.length === 2);
    expect(TrajectoryState.safeParse(raised).success).toBe(true);
    expect(raised.openSteps.map((s: { id: string }) => s.id)).toEqual(['goals:doel-fin-7731', 'goals:doel-woon-12']);
    expect(raised.escalations.map((e: { id: string; stepId: string; element: number }) => [e.id, e.stepId, e.element])).toEqual([
      ['goals:doel-fin-7731@0', 'goals:doel-fin-7731', 1],
      ['goals:doel-woon-12@0', 'goals:doel-woon-12', 2],
    ]);

    // The inbox: the same ids, and links that need no encoding.
    const inbox = (await manager.get('/v1/escalations').expect(200)).body;
    expect(inbox.items.map((i: { id: string }) => i.id)).toEqual(['goals:doel-fin-7731@0', 'goals:doel-woon-12@0']);
    for (const item of inbox.items) {
      expect(InboxItem.safeParse(item).success).toBe(true);
      for (const link of [item.links.acknowledge, item.links.decide]) expect(link.split('/')[5]).toMatch(PATH_SEGMENT);
    }
    expect(inbox.items[0].links.acknowledge).toBe(`/v1/trajectories/${id}/escalations/goals:doel-fin-7731@0/acknowledge`);

    // Acknowledge and decide by the links as they are; acknowledge in the old spelling, percent-encoded.
    expect((await manager.post(inbox.items[0].links.acknowledge).send({}).expect(200)).body).toMatchObject({ id: 'goals:doel-fin-7731@0', stepId: 'goals:doel-fin-7731', state: 'acknowledged' });
    const decided = await manager.post(inbox.items[0].links.decide).send({ type: 'instruction', text: 'Bel het gezin.', reason: 'staat stil' });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    expect(decided.body).toMatchObject({ id: 'goals:doel-fin-7731@0', state: 'decided' });
    const old = await manager.post(`/v1/trajectories/${id}/escalations/${encodeURIComponent('goals/doel-woon-12@0')}/acknowledge`).send({});
    expect(old.status, JSON.stringify(old.body)).toBe(200);
    expect(old.body).toMatchObject({ id: 'goals:doel-woon-12@0', state: 'acknowledged' });
    // A receiver of the webhook knows an element's escalation by its reference (`goals:*2@0`), not its id: it is taken too.
    const byRef = await manager.post(`/v1/trajectories/${id}/escalations/goals:*2@0/decisions`).send({ type: 'instruction', text: 'Bel de corporatie.', reason: 'staat stil' });
    expect(byRef.status, JSON.stringify(byRef.body)).toBe(200);
    expect(byRef.body).toMatchObject({ id: 'goals:doel-woon-12@0', element: 2, state: 'decided' });
    expect((await manager.post(`/v1/trajectories/${id}/escalations/goals:*3@0/acknowledge`).send({})).status).toBe(404);

    // Complete a step unencoded, and one in the old spelling, percent-encoded: both answer in the API's spelling.
    expect((await cs.post(`/v1/trajectories/${id}/steps/goals:doel-fin-7731/complete`).send({}).expect(200)).body.id).toBe('goals:doel-fin-7731');
    expect((await cs.post(`/v1/trajectories/${id}/steps/${encodeURIComponent('goals/doel-woon-12')}/complete`).send({}).expect(200)).body.id).toBe('goals:doel-woon-12');
    const completed = (await state()).completedSteps.map((s: { id: string }) => s.id);
    expect(completed).toEqual(['goals:doel-fin-7731', 'goals:doel-woon-12']);

    // The check-in loops back: the goals open a second time (`~2`).
    await cs.post(`/v1/trajectories/${id}/steps/checkin/complete`).send({}).expect(200);
    const again = await until(state, (s) => s.openSteps.length === 2);
    expect(again.openSteps.map((s: { id: string }) => s.id)).toEqual(['goals:doel-fin-7731~2', 'goals:doel-woon-12~2']);

    // Pause and resume by a step id in the body (new spelling, then the old one), reschedule unencoded in the path.
    const paused = (await cs.post(`/v1/trajectories/${id}/pause`).send({ stepId: 'goals:doel-fin-7731~2', reason: 'gezin op vakantie' }).expect(200)).body;
    expect(paused.openSteps.find((s: { id: string }) => s.id === 'goals:doel-fin-7731~2').paused).toBeDefined();
    const resumed = (await cs.post(`/v1/trajectories/${id}/resume`).send({ stepId: 'goals/doel-fin-7731#2' }).expect(200)).body;
    expect(resumed.openSteps.find((s: { id: string }) => s.id === 'goals:doel-fin-7731~2').paused).toBeUndefined();
    const dueAt = new Date(Date.now() + 7 * 24 * 3600_000).toISOString();
    const moved = await cs.post(`/v1/trajectories/${id}/steps/goals:doel-woon-12~2/reschedule`).send({ dueAt, reason: 'wachten op de corporatie' });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.openSteps.find((s: { id: string }) => s.id === 'goals:doel-woon-12~2').dueAt).toBe(dueAt);

    // An unknown step is the engine's 409, never a bare 404; a refusal names ids as the API spells them.
    expect((await cs.post(`/v1/trajectories/${id}/steps/goals:doel-onbekend/complete`).send({})).status).toBe(409);
    const closed = await cs.post(`/v1/trajectories/${id}/steps/goals:doel-fin-7731/complete`).send({});
    expect(closed.status).toBe(409);
    expect(closed.body.detail).toBe('step "goals:doel-fin-7731" is already closed; open instances of "goals": goals:doel-fin-7731~2, goals:doel-woon-12~2');
  });
});

/**
 * The API's contract where it was inconsistent with itself (issue #10, point 5): what it lists and what it filters
 * on speak the same ladder levels. supertest against the real app, a real worker and the dev server.
 */
import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../definitions/validate.js';
import { DefinitionRegistry } from '../definitions/registry.js';
import { TrajectoryList } from '../api/schemas.js';
import { uniqueId, useTemporal } from './helpers/temporal.js';
import { as, testApp } from './helpers/api.js';

const temporal = useTemporal({ worker: { taskQueue: 'contract' } });
const { taskQueue } = temporal;

/** A step due in a second whose ladder reminds its owner at once (level 0) and the teamleider after an hour. */
function ladder(id: string, due: string) {
  const r = validateDefinition(
    {
      id,
      version: 1,
      name: id,
      roles: [{ id: 'regisseur', name: 'Regisseur' }, { id: 'teamleider', name: 'Teamleider' }],
      escalationPolicies: { kort: { levels: [{ role: 'owner', after: 'PT0S' }, { role: 'teamleider', after: 'PT1H' }] } },
      defaultEscalationPolicy: 'kort',
      phases: [{ id: 'a', name: 'A', start: 'x', nodes: [{ id: 'x', type: 'userTask', owner: 'regisseur', due, next: 'e' }, { id: 'e', type: 'end' }] }],
    },
    { activities: [] },
  );
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.definition;
}

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, tries = 60): Promise<T> {
  let v = await read();
  for (let i = 0; i < tries && !done(v); i++) {
    await new Promise((r) => setTimeout(r, 200));
    v = await read();
  }
  return v;
}

describe('the trajectory list speaks ladder levels', () => {
  it('lists a trajectory with only its owner reminded at level 0, finds it with minEscalationLevel=0, not with 1', async () => {
    const registry = new DefinitionRegistry();
    registry.register(ladder('herinnerd', 'PT1S'));
    registry.register(ladder('rustig', 'P1D'));
    const app = testApp(temporal.client, registry, taskQueue);
    const municipality = `GM8${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`;
    const cs = await as(app, 'case-system', municipality);
    const reminded = (await cs.post('/v1/trajectories').send({ caseRef: uniqueId('ZAAK'), definitionId: 'herinnerd' }).expect(201)).body.id;
    const quiet = (await cs.post('/v1/trajectories').send({ caseRef: uniqueId('ZAAK'), definitionId: 'rustig' }).expect(201)).body.id;

    const atZero = await until(async () => (await cs.get('/v1/trajectories?minEscalationLevel=0')).body, (b) => b.count === 1);
    expect(TrajectoryList.safeParse(atZero).success).toBe(true);
    expect(atZero.items).toMatchObject([{ id: reminded, escalationLevel: 0 }]);
    expect((await cs.get('/v1/trajectories?minEscalationLevel=1')).body.count).toBe(0);

    const all = await until(async () => (await cs.get('/v1/trajectories')).body, (b) => b.count === 2);
    const levels = Object.fromEntries(all.items.map((t: { id: string; escalationLevel: number | null }) => [t.id, t.escalationLevel]));
    expect(levels).toEqual({ [reminded]: 0, [quiet]: null });
  });
});

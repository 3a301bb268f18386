/**
 * The escalation inbox counts how long a step has stood still with the calendar of the trajectory's own definition
 * (issue #10, point 5), end to end: the real app, a real worker and the Temporal dev server. A municipality registers
 * a definition whose extra closed days are the last seven days; a step due a week ago is then 7 calendar days and 0
 * working days overdue, in the inbox and in the answer to an acknowledgement. The inbox counts with the calendar the
 * trajectory itself carries, so it says the same for a trajectory whose definition the catalog does not have (a client
 * that started it itself, or a version no longer to be found), where it used to fall back to the plain Dutch calendar.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { toAmsterdamLocal } from '../definitions/calendar.js';
import { trajectoryWorkflow } from '../workflows/trajectory.js';
import { shipped } from './helpers/definitions.js';
import { as, testApp } from './helpers/api.js';
import { validDefinition } from './helpers/notifying.js';
import { uniqueId, useTemporal } from './helpers/temporal.js';

const temporal = useTemporal({ worker: { taskQueue: 'inbox' } });
const { taskQueue } = temporal;
let app: ReturnType<typeof testApp>;

beforeAll(() => {
  app = testApp(temporal.client, shipped, taskQueue);
});

/** The Amsterdam date `n` days before today's (`YYYY-MM-DD`). */
const daysAgo = (n: number) => new Date(Date.parse(`${toAmsterdamLocal(Date.now()).date}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

const randomMunicipality = () => `GM9${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`;

/** Due "by the end of" eight days ago: the seven dates after it, up to and including today, are all closed. */
const closedWeek = (id: string) => ({
  id,
  version: 1,
  name: 'Gesloten week',
  roles: [{ id: 'regisseur', name: 'Regisseur' }],
  escalationPolicies: { direct: { levels: [{ role: 'owner', after: 'PT0S' }] } },
  defaultEscalationPolicy: 'direct',
  calendar: { extraClosedDays: [6, 5, 4, 3, 2, 1, 0].map(daysAgo) },
  variables: { deadline: daysAgo(8) },
  phases: [{ id: 'a', name: 'A', start: 'x', nodes: [{ id: 'x', type: 'userTask', owner: 'regisseur', due: { date: 'deadline' }, next: 'e' }, { id: 'e', type: 'end' }] }],
});

/**
 * The municipality's inbox once it shows the step's escalation: 7 calendar days and, by the definition's calendar, 0
 * working days overdue (the plain calendar would count 3 to 5); the same in the answer to acknowledging it.
 */
async function expectClosedWeekInbox(municipality: string): Promise<void> {
  const manager = await as(app, 'manager', municipality);
  let items: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 100 && items.length === 0; i++) {
    if (i) await new Promise((r) => setTimeout(r, 150));
    items = (await manager.get('/v1/escalations').expect(200)).body.items;
  }
  expect(items).toHaveLength(1);
  expect(items[0]).toMatchObject({ id: 'x@0', overdueDays: 7, overdueWorkingDays: 0 });

  const acknowledged = await manager.post((items[0]!.links as { acknowledge: string }).acknowledge).send({}).expect(200);
  expect(acknowledged.body).toMatchObject({ state: 'acknowledged', overdueDays: 7, overdueWorkingDays: 0 });
}

describe('the escalation inbox', () => {
  it("counts overdue working days with the definition's calendar", async () => {
    const municipality = randomMunicipality();
    const definition = closedWeek('gesloten-week');
    await (await as(app, 'operator', municipality)).post('/v1/definitions').send(definition).expect(201);
    await (await as(app, 'case-system', municipality)).post('/v1/trajectories').send({ caseRef: uniqueId('ZAAK'), definitionId: definition.id }).expect(201);
    await expectClosedWeekInbox(municipality);
  });

  it('counts with the calendar the trajectory carries, not one read from the catalog', async () => {
    const municipality = randomMunicipality();
    const definition = validDefinition(closedWeek('buiten-de-catalogus'));
    const caseRef = uniqueId('ZAAK');
    const id = `${municipality}-${caseRef}`;
    await temporal.client.workflow.start(trajectoryWorkflow, { workflowId: id, taskQueue, args: [{ caseRef, municipality, definition }] });

    const operator = await as(app, 'operator', municipality);
    await operator.get(`/v1/definitions/${definition.id}`).expect(404); // the catalog does not have it
    // The state carries the definition's calendar.
    expect((await operator.get(`/v1/trajectories/${id}`).expect(200)).body.definition).toEqual({
      id: definition.id,
      version: 1,
      name: 'Gesloten week',
      calendar: { goodFriday: false, extraClosedDays: [6, 5, 4, 3, 2, 1, 0].map(daysAgo) },
    });
    await expectClosedWeekInbox(municipality);
  });
});

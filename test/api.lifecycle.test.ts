/**
 * The whole lifecycle of a `gezinstraject` through the REST API: supertest against the real app (tokens included)
 * on the time-skipping test server, so months of deadlines, evaluations and monthly aftercare check-ins pass in
 * seconds. Marianne's breakthrough route (DOMAIN.md §5), from the school's signal to the end of the
 * waakvlamcontract, then a relapse re-opening it and a re-open after closure.
 */
import { expect, it } from 'vitest';
import { uniqueId, useTemporal } from './helpers/temporal.js';
import { shipped } from './helpers/definitions.js';
import { planGoals, settle } from './helpers/driver.js';
import { as, expectProblem, testApp } from './helpers/api.js';
import { TrajectoryState } from '../api/schemas.js';

const temporal = useTemporal({ server: 'time-skipping', worker: { taskQueue: 'lifecycle' } });
const { taskQueue } = temporal;

it('carries a gezinstraject from intake through aftercare, a relapse and a re-opening, over HTTP', { timeout: 120_000 }, async () => {
  const app = testApp(temporal.client, shipped, taskQueue);
  const zaaksysteem = await as(app, 'case-system', 'GM0363', { subject: 'regisseur-1' });
  const teamleider = await as(app, 'case-system', 'GM0363', { subject: 'teamleider-2' });
  const caseRef = uniqueId('MARIANNE');
  const id = `GM0363-${caseRef}`;
  const state = async () => {
    const res = await zaaksysteem.get(`/v1/trajectories/${id}`);
    expect(res.status).toBe(200);
    expect(TrajectoryState.safeParse(res.body).success).toBe(true);
    return res.body;
  };
  const open = async () => (await state()).openSteps.map((s: { id: string }) => s.id).sort();
  const complete = async (stepId: string, output?: Record<string, unknown>, who = zaaksysteem) => {
    const res = await who.post(`/v1/trajectories/${id}/steps/${encodeURIComponent(stepId)}/complete`).send(output ? { output } : {});
    expect(res.status, `${stepId}: ${JSON.stringify(res.body)}`).toBe(200);
  };
  const event = async (name: string, payload?: unknown) => {
    await zaaksysteem.post(`/v1/trajectories/${id}/events`).send({ event: name, ...(payload !== undefined ? { payload } : {}) }).expect(202);
  };
  const skip = async (duration: string) => {
    await temporal.env.sleep(duration);
    await state();
  };

  // Intake: the school's signal; a regisseur is assigned.
  expect((await zaaksysteem.post('/v1/trajectories').send({ caseRef })).status).toBe(201);
  expect((await state()).phase.id).toBe('intake');
  await complete('assign-director');
  await skip('1 day');
  await complete('first-contact');

  // Safety: socio-economic unsafety; immediate rest from the breakthrough budget, with the team lead's consent.
  expect((await state()).phase.id).toBe('safety');
  await complete('safety-assessment', { veiligheid: 'sociaal-economisch' });
  await complete('immediate-rest', { doorbraak: { budget: 1200, mandaat: 'teamleider' } }, teamleider);

  // Stabilisation: housing, income and debts in parallel, each owned by a partner.
  expect((await state()).phase.id).toBe('stabilisation');
  expect(await open()).toEqual(['debts', 'housing', 'income']);
  await event('family-contact');
  await skip('3 weeks');
  await complete('debts');
  await skip('2 weeks');
  await complete('income');
  await skip('1 week');
  await complete('housing', { woningcorporatie: 'uitzondering toegekend' });

  // The family plan, made with Marianne and agreed by her.
  expect((await state()).phase.id).toBe('family-plan');
  await complete('analysis', { mdoNodig: false });
  const enteredAt = Date.parse((await state()).phaseHistory.at(-1).enteredAt);
  await complete('draft-plan', { gezinsplan: planGoals(enteredAt) });
  await event('plan-agreed', { door: 'gezin' });

  // Execution: the plan's goals became steps; evaluation every two weeks.
  const execution = await state();
  expect(execution.phase.id).toBe('execution');
  expect(execution.familyPlan.doelen).toHaveLength(3);
  // The API spells step ids safe in a path (`goals:ggz`); the engine's spelling, percent-encoded, is taken too.
  expect(await open()).toEqual(['goals:ggz', 'goals:rouwgroep', 'goals:school']);
  await skip('14 days');
  await complete('evaluation', { doelenBehaald: false });
  await complete('goals/ggz');
  await complete('goals:school');
  await skip('14 days');
  await complete('goals/rouwgroep');
  await complete('evaluation#2', { doelenBehaald: true });

  // Closure with the waakvlamcontract, then aftercare: monthly check-ins.
  expect((await state()).phase.id).toBe('closure');
  await complete('final-evaluation');
  await complete('aftercare-contract', { nazorg: { wie: 'regisseur', frequentie: 'maandelijks', duur: '12 maanden' } });
  expect((await state()).phase.id).toBe('aftercare');
  for (let i = 1; i <= 3; i++) {
    await skip('31 days');
    await complete(i === 1 ? 'checkin' : `checkin#${i}`);
  }

  // A relapse signal re-opens it at the family plan, with the same regisseur and no new intake.
  await skip('31 days');
  await event('relapse-signal', { onveilig: false });
  const relapsed = await state();
  expect(relapsed.phase.id).toBe('family-plan');
  expect(relapsed.phaseHistory.map((p: { phase: string }) => p.phase).filter((p: string) => p === 'intake')).toHaveLength(1);
  await complete('analysis#2', { mdoNodig: false });

  // Closed by the regisseur, then re-opened when the family comes back: the same trajectory goes on.
  const closed = await zaaksysteem.post(`/v1/trajectories/${id}/close`).send({ reason: 'verhuisd, terug in beeld' });
  expect(closed.body).toMatchObject({ status: 'closed', closedBy: 'regisseur-1' });
  expectProblem(await zaaksysteem.post(`/v1/trajectories/${id}/steps/draft-plan%232/complete`).send({}), 409, 'conflict');
  const reopened = await zaaksysteem.post(`/v1/trajectories/${id}/reopen`).send({ phase: 'safety', reason: 'nieuw signaal van school' });
  expect(reopened.status, JSON.stringify(reopened.body)).toBe(200);
  expect(reopened.body).toMatchObject({ status: 'open', phase: { id: 'safety' }, reopenings: [{ by: 'regisseur-1', phase: 'safety' }] });
  const final = await state();
  // Everything that happened is still on record: the breakthrough with its author, the check-ins, the phases.
  expect(final.completedSteps.find((s: { id: string }) => s.id === 'immediate-rest')).toMatchObject({ closedBy: 'teamleider-2' });
  expect(final.completedSteps.filter((s: { id: string }) => s.id.startsWith('checkin'))).toHaveLength(3);
  expect(final.phaseHistory.map((p: { phase: string }) => p.phase)).toEqual([
    'intake', 'safety', 'stabilisation', 'family-plan', 'execution', 'closure', 'aftercare', 'family-plan', 'safety',
  ]);
  await zaaksysteem.post(`/v1/trajectories/${id}/close`).send({ reason: 'afgerond' }).expect(200);
  await settle(temporal.client.workflow.getHandle(id));
});

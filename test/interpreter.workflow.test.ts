/**
 * The interpreter workflow running the shipped `gezinstraject` on the time-skipping test server: Marianne's
 * breakthrough route through every phase into and out of aftercare, months skipped; a relapse re-opening the
 * trajectory; step completion refused for steps that are not open; continue-as-new keeping the state.
 */
import { describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { addWorkingDays } from '../definitions/calendar.js';
import { NEXT_DEADLINE, OPEN_STEPS, PHASE, DEFINITION_VERSION } from '../workflows/search-attributes.js';
import { closeUpdate, completeStepUpdate, getStateQuery, trajectoryWorkflow } from '../workflows/trajectory.js';
import { createWorker } from '../worker/worker.js';
import { Driver, runToAftercare } from './helpers/driver.js';
import { gezinstraject } from './helpers/definitions.js';
import { uniqueId, useTemporal, TEST_KEY_RING } from './helpers/temporal.js';
import { validateDefinition } from '../definitions/validate.js';
import type { Definition } from '../definitions/schema.js';

// The bundle is built once per file; each test gets its own time-skipping server, so one test's timers (escalation
// ladders of trajectories it leaves behind) never hold another test's clock.
const temporal = useTemporal({ server: 'time-skipping', serverPerTest: true });

async function withTrajectory<T>(fn: (d: Driver) => Promise<T>, extra: { maxHistoryEvents?: number } = {}): Promise<T> {
  const taskQueue = uniqueId('tq');
  const caseRef = uniqueId('ZAAK');
  const worker = await createWorker({ connection: temporal.env.nativeConnection, namespace: 'default', taskQueue, workflowBundle: temporal.bundle, keyRing: TEST_KEY_RING });
  return worker.runUntil(async () => {
    const handle = await temporal.client.workflow.start(trajectoryWorkflow, {
      workflowId: `GM0363-${caseRef}`,
      taskQueue,
      args: [{ caseRef, municipality: 'GM0363', definition: gezinstraject(), ...extra }],
    });
    const driver = new Driver(temporal.env, handle);
    try {
      return await fn(driver);
    } finally {
      // Leave nothing running: an activity cut off by the worker's shutdown holds the test server's clock.
      await driver.settle().catch(() => undefined);
    }
  });
}

const DAY = 24 * 3600 * 1000;

describe('gezinstraject on the interpreter', () => {
  it("runs Marianne's breakthrough route through every phase, into and out of aftercare", async () => {
    await withTrajectory(async (d) => {
      const start = await d.state();
      expect(start.definition).toEqual({ id: 'gezinstraject', version: 1, calendar: { goodFriday: false, extraClosedDays: [] }, name: expect.any(String) });
      const [assign] = start.openSteps;
      expect(assign).toMatchObject({ id: 'assign-director', owner: 'teamleider', phase: 'intake' });
      // Due in 2 Dutch working days, computed inside the workflow.
      expect(Date.parse(assign!.dueAt)).toBe(addWorkingDays(Date.parse(assign!.openedAt), 2));

      await runToAftercare(d);
      const atAftercare = await d.state();
      expect(atAftercare.familyPlan).toMatchObject({ doelen: [{ id: 'ggz' }, { id: 'rouwgroep' }, { id: 'school' }] });

      // Twelve monthly check-ins; each opens a month after the previous tick and is due in 5 working days.
      for (let i = 1; i <= 12; i++) {
        expect(await d.openStepIds()).toEqual([]);
        await d.skip('31 days');
        const id = i === 1 ? 'checkin' : `checkin#${i}`;
        const step = (await d.state()).openSteps.find((s) => s.id === id);
        expect(step, `check-in ${i}`).toBeDefined();
        expect(Date.parse(step!.dueAt)).toBe(addWorkingDays(Date.parse(step!.openedAt), 5));
        await d.complete(id);
      }
      const result = await d.handle.result();
      expect(result.status).toBe('closed');
      expect(result.closeReason).toBe('all phases completed');

      const phases = result.phaseHistory.map((p) => p.phase);
      expect(phases).toEqual(['intake', 'safety', 'stabilisation', 'family-plan', 'execution', 'closure', 'aftercare']);
      // Each phase starts when the previous one ends; time only moves forward.
      for (let i = 1; i < result.phaseHistory.length; i++) {
        expect(result.phaseHistory[i]!.enteredAt).toBe(result.phaseHistory[i - 1]!.leftAt);
        expect(Date.parse(result.phaseHistory[i]!.enteredAt)).toBeGreaterThanOrEqual(Date.parse(result.phaseHistory[i - 1]!.enteredAt));
      }
      const at = (phase: string) => Date.parse(result.phaseHistory.find((p) => p.phase === phase)!.enteredAt);
      expect(at('family-plan') - at('stabilisation')).toBeGreaterThanOrEqual(6 * 7 * DAY); // housing took six weeks
      expect(at('closure') - at('execution')).toBeGreaterThanOrEqual(28 * DAY); // two evaluation rounds
      expect(Date.parse(result.closedAt!) - at('aftercare')).toBeGreaterThanOrEqual(360 * DAY); // a year of aftercare
      // Who did what, and when: the breakthrough on record with its author.
      const rest = result.completedSteps.find((s) => s.id === 'immediate-rest')!;
      expect(rest.closedBy).toBe('teamleider-2');
      expect(rest.output).toEqual({ doorbraak: { budget: 1200, mandaat: 'teamleider' } });
      expect(result.completedSteps.filter((s) => s.id.startsWith('checkin'))).toHaveLength(12);
    });
  });

  it('re-opens the trajectory at the family plan on a relapse signal during aftercare, without a new intake', async () => {
    await withTrajectory(async (d) => {
      await runToAftercare(d);
      await d.skip('31 days');
      expect(await d.openStepIds()).toEqual(['checkin']);
      await d.event('relapse-signal', { onveilig: false });

      const state = await d.state();
      expect(state.phase?.id).toBe('family-plan');
      expect(state.status).toBe('open');
      expect(state.openSteps.map((s) => s.id)).toEqual(['analysis#2']);
      expect(state.cancelledSteps).toBe(1); // the open check-in
      const last = state.phaseHistory.at(-1)!;
      expect(last).toMatchObject({ phase: 'family-plan', reason: 'event:relapse-signal' });
      expect(state.phaseHistory.filter((p) => p.phase === 'intake')).toHaveLength(1);
    });
  });

  it('re-opens at safety when the relapse signal says the family is unsafe', async () => {
    await withTrajectory(async (d) => {
      await runToAftercare(d);
      await d.event('relapse-signal', { onveilig: true });
      const state = await d.state();
      expect(state.phase?.id).toBe('safety');
      expect(state.openSteps.map((s) => s.id)).toEqual(['safety-assessment#2']);
    });
  });

  it('takes the acute branch of the safety assessment', async () => {
    await withTrajectory(async (d) => {
      await d.complete('assign-director');
      await d.complete('first-contact');
      await d.complete('safety-assessment', { veiligheid: 'acuut' });
      expect(await d.openStepIds()).toEqual(['consult-veilig-thuis']);
      const step = (await d.state()).openSteps[0]!;
      expect(step.owner).toBe('veilig-thuis');
      expect(Date.parse(step.dueAt) - Date.parse(step.openedAt)).toBe(DAY);
      await d.complete('consult-veilig-thuis');
      await d.complete('protective-measures');
      await d.complete('immediate-rest');
      expect(await d.phase()).toBe('stabilisation');
    });
  });

  it('refuses completing a step that is not open, without accepting anything', async () => {
    await withTrajectory(async (d) => {
      const attempt = (stepId: string) =>
        d.handle.executeUpdate(completeStepUpdate, { args: [{ stepId, completedBy: 'x' }] }).catch((e: unknown) => e);
      const unknown = await attempt('safety-assessment');
      expect(unknown).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((unknown as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'StepNotOpen' });

      await d.complete('assign-director');
      const again = await attempt('assign-director');
      expect((again as WorkflowUpdateFailedError).cause?.message).toMatch(/already closed/);
      const events = (await d.handle.fetchHistory()).events ?? [];
      expect(events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toHaveLength(1);
      expect((await d.state()).completedSteps.map((s) => s.id)).toEqual(['assign-director']);
    });
  });

  it('keeps its search attributes current for operators', async () => {
    await withTrajectory(async (d) => {
      await d.complete('assign-director');
      await d.complete('first-contact');
      const description = await d.handle.describe();
      const sa = description.typedSearchAttributes;
      expect(sa.get(PHASE)).toBe('safety');
      expect(sa.get(OPEN_STEPS)).toBe(1);
      expect(sa.get(DEFINITION_VERSION)).toBe(1);
      const due = (await d.state()).openSteps[0]!.dueAt;
      expect(sa.get(NEXT_DEADLINE)?.toISOString()).toBe(due);
      await d.handle.executeUpdate(closeUpdate, { args: [{ reason: 'verhuisd', closedBy: 'regisseur-1' }] });
      const closed = await d.handle.result();
      expect(closed).toMatchObject({ status: 'closed', closeReason: 'verhuisd', closedBy: 'regisseur-1', cancelledSteps: 1 });
    });
  });

  it('continues as new with a bounded history and carries on where it was', async () => {
    await withTrajectory(
      async (d) => {
        // Each completion settles first, so a continue-as-new is done before the next update arrives: the
        // time-skipping test server does not hand an update in flight over to the new run (the real server does).
        for (const [step, output] of [['assign-director'], ['first-contact'], ['safety-assessment', { veiligheid: 'veilig' }], ['debts']] as const) {
          await d.complete(step, output);
          await d.settle();
        }
        const state = await d.state();
        expect(state.runs).toBeGreaterThan(0);
        expect(state.phase?.id).toBe('stabilisation');
        expect(state.openSteps.map((s) => s.id).sort()).toEqual(['housing', 'income']);
        expect(state.completedSteps.map((s) => s.id)).toEqual(['assign-director', 'first-contact', 'safety-assessment', 'debts']);
        const first = await temporal.client.workflow.getHandle(d.handle.workflowId, d.handle.firstExecutionRunId).describe();
        expect(first.status.name).toBe('CONTINUED_AS_NEW');
        await d.handle.query(getStateQuery);
      },
      { maxHistoryEvents: 20 },
    );
  });

  it('calls a registered activity from a service task on a real worker, and retries it until it succeeds', async () => {
    const result = validateDefinition(
      {
        id: 'service-test',
        version: 1,
        name: 'Service',
        roles: [{ id: 'regisseur', name: 'Regisseur' }],
        phases: [
          {
            id: 'only',
            name: 'Enige fase',
            start: 'lookup',
            nodes: [
              { id: 'lookup', type: 'serviceTask', activity: 'lookupTeam', input: { wijk: 'wijk' }, resultVariable: 'team', next: 'act' },
              { id: 'act', type: 'userTask', owner: 'regisseur', due: 'P1D', next: 'done' },
              { id: 'done', type: 'end' },
            ],
          },
        ],
      },
      { activities: ['lookupTeam'] },
    );
    expect(result.ok).toBe(true);
    const definition = (result as { definition: Definition }).definition;
    const calls: unknown[] = [];
    const taskQueue = uniqueId('tq');
    const worker = await createWorker({
      keyRing: TEST_KEY_RING,
      connection: temporal.env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: temporal.bundle,
      extraActivities: {
        async lookupTeam(input: { wijk: string }) {
          calls.push(input);
          if (calls.length === 1) throw new Error('directory briefly unavailable');
          return { team: `team-${input.wijk}` };
        },
      },
    });
    await worker.runUntil(async () => {
      const handle = await temporal.client.workflow.start(trajectoryWorkflow, {
        workflowId: uniqueId('GM0363-SERVICE'),
        taskQueue,
        args: [{ caseRef: 'SERVICE-1', municipality: 'GM0363', definition, data: { wijk: 'noord' } }],
      });
      const d = new Driver(temporal.env, handle);
      await d.skip('1 minute'); // past the activity's first retry interval
      const state = await d.state();
      expect(state.data.team).toEqual({ team: 'team-noord' });
      expect(state.openSteps.map((s) => s.id)).toEqual(['act']);
      expect(state.incidents).toEqual([]);
      expect(calls).toEqual([{ wijk: 'noord' }, { wijk: 'noord' }]);
      await d.settle();
    });
  });
});

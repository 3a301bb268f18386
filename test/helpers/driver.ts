/**
 * Drives a trajectory the way a case system does (complete steps, report events) and lets time pass on the
 * time-skipping server. Used by the interpreter tests and to record the replay histories.
 */
import { temporal } from '@temporalio/proto';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Duration } from '@temporalio/common';
import { expect } from 'vitest';
import {
  completeStepUpdate,
  getStateQuery,
  reportEventSignal,
  trajectoryWorkflow,
  type TrajectoryView,
} from '../../workflows/trajectory.js';

export class Driver {
  constructor(
    readonly env: TestWorkflowEnvironment,
    readonly handle: WorkflowHandleWithFirstExecutionRunId<typeof trajectoryWorkflow>,
  ) {}

  state(): Promise<TrajectoryView> {
    return this.handle.query(getStateQuery);
  }

  async openStepIds(): Promise<string[]> {
    return (await this.state()).openSteps.map((s) => s.id).sort();
  }

  /** Completes a step, first checking that it is open. */
  async complete(stepId: string, output?: Record<string, unknown>, by = 'medewerker-7'): Promise<void> {
    expect(await this.openStepIds()).toContain(stepId);
    await this.handle.executeUpdate(completeStepUpdate, { args: [{ stepId, completedBy: by, ...(output ? { output } : {}) }] });
  }

  async event(event: string, payload?: unknown): Promise<void> {
    await this.handle.signal(reportEventSignal, { event, payload, reportedBy: 'zaaksysteem' });
  }

  /** Lets time pass on the server (timers fire), then waits until the worker has caught up. */
  async skip(duration: Duration): Promise<void> {
    await this.env.sleep(duration);
    await this.state();
  }

  /**
   * Waits until the workflow has no activity in flight (notifications are delivered in the background). A test ends
   * only then: stopping a worker mid-activity leaves the time-skipping server's clock locked.
   */
  async settle(timeoutMs = 15_000): Promise<void> {
    await settle(this.handle, timeoutMs);
  }

  async phase(): Promise<string | null> {
    return (await this.state()).phase?.id ?? null;
  }
}

/**
 * Waits until a workflow is quiet: closed, or running with no pending activity and no workflow task scheduled or
 * started (its last history event is not one). The last check reads the history, because the time-skipping test
 * server's `describe()` never reports a pending workflow task, and an update sent while one runs (e.g. the one that
 * continues as new) can hang on that server.
 */
export async function settle(
  handle: {
    describe(): Promise<{ status: { name: string }; raw: { pendingActivities?: unknown[] | null; pendingWorkflowTask?: unknown } }>;
    fetchHistory(): Promise<{ events?: Array<{ eventType?: unknown }> | null }>;
  },
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const taskPending = new Set<unknown>([
    temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  ]);
  for (;;) {
    const d = await handle.describe();
    // A run that just continued as new is not the end: wait for its successor.
    if (d.status.name !== 'RUNNING' && d.status.name !== 'CONTINUED_AS_NEW') return;
    if (d.status.name === 'RUNNING' && (d.raw.pendingActivities ?? []).length === 0 && !d.raw.pendingWorkflowTask) {
      const events = (await handle.fetchHistory()).events ?? [];
      if (!taskPending.has(events.at(-1)?.eventType)) return;
    }
    if (Date.now() > deadline) throw new Error(`the workflow is still busy after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A goal list for the family plan, with deadlines relative to `fromMs`. */
export function planGoals(fromMs: number) {
  const day = 24 * 3600 * 1000;
  const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return {
    doelen: [
      { id: 'ggz', titel: 'Intake GGZ (rouwverwerking)', leefgebied: 'gezondheid', eigenaar: 'ggz', deadline: date(fromMs + 21 * day) },
      { id: 'rouwgroep', titel: 'Deelname lotgenotengroep rouw', leefgebied: 'sociaal-netwerk', eigenaar: 'gezin', deadline: date(fromMs + 35 * day) },
      { id: 'school', titel: 'Kinderen stabiel naar school', leefgebied: 'onderwijs', eigenaar: 'regisseur', deadline: date(fromMs + 28 * day) },
    ],
  };
}

/**
 * Marianne's breakthrough route (DOMAIN.md §5) up to and including the start of aftercare: socio-economic
 * unsafety, immediate rest from the breakthrough budget, housing/income/debts in parallel, a plan with her,
 * execution with two-weekly evaluations, closure with the waakvlamcontract.
 */
export async function runToAftercare(d: Driver): Promise<void> {
  expect(await d.phase()).toBe('intake');
  await d.complete('assign-director');
  await d.skip('1 day');
  await d.complete('first-contact');

  expect(await d.phase()).toBe('safety');
  await d.complete('safety-assessment', { veiligheid: 'sociaal-economisch' });
  expect(await d.openStepIds()).toEqual(['immediate-rest']);
  await d.complete('immediate-rest', { doorbraak: { budget: 1200, mandaat: 'teamleider' } }, 'teamleider-2');

  expect(await d.phase()).toBe('stabilisation');
  expect(await d.openStepIds()).toEqual(['debts', 'housing', 'income']);
  await d.skip('3 weeks');
  await d.complete('debts');
  await d.skip('2 weeks');
  await d.complete('income');
  expect(await d.phase()).toBe('stabilisation');
  await d.skip('1 week');
  await d.complete('housing', { woningcorporatie: 'uitzondering toegekend' });

  expect(await d.phase()).toBe('family-plan');
  await d.complete('analysis', { mdoNodig: false });
  const now = Date.parse((await d.state()).phaseHistory.at(-1)!.enteredAt);
  await d.complete('draft-plan', { gezinsplan: planGoals(now) });
  expect(await d.openStepIds()).toEqual([]);
  await d.event('plan-agreed', { door: 'gezin' });

  expect(await d.phase()).toBe('execution');
  expect(await d.openStepIds()).toEqual(['goals/ggz', 'goals/rouwgroep', 'goals/school']);
  await d.skip('14 days');
  expect(await d.openStepIds()).toContain('evaluation');
  await d.complete('evaluation', { doelenBehaald: false });
  await d.complete('goals/ggz');
  await d.complete('goals/school');
  await d.skip('14 days');
  await d.complete('goals/rouwgroep');
  await d.complete('evaluation#2', { doelenBehaald: true });

  expect(await d.phase()).toBe('closure');
  await d.complete('final-evaluation');
  await d.complete('aftercare-contract', { nazorg: { wie: 'regisseur', frequentie: 'maandelijks', duur: '12 maanden' } });
  expect(await d.phase()).toBe('aftercare');
}

/**
 * Workflows for the benchmark: the real interpreter, and a hand-written workflow doing the same work for a linear
 * process of N user tasks (open a step with a working-day due date, accept its completion by validated update,
 * keep the same search attributes current, answer the same query), without interpreting a definition.
 */
import { condition, defineQuery, defineUpdate, setHandler, upsertSearchAttributes, ApplicationFailure } from '@temporalio/workflow';
import { addWorkingDays } from '../../definitions/calendar.js';
import { CASE_REF, DEFINITION_ID, DEFINITION_VERSION, ESCALATION_LEVEL, MUNICIPALITY, NEXT_DEADLINE, OPEN_STEPS, PHASE } from '../../workflows/search-attributes.js';

export { trajectoryWorkflow } from '../../workflows/trajectory.js';

export interface HandWrittenInput {
  caseRef: string;
  municipality: string;
  steps: number;
}

interface Step {
  id: string;
  openedAt: number;
  dueAt: number;
  closedAt?: number;
  closedBy?: string;
}

export const handWrittenState = defineQuery<{ open: Step[]; done: Step[] }>('getState');
export const handWrittenComplete = defineUpdate<Step, [{ stepId: string; completedBy: string }]>('completeStep');

export async function handWrittenWorkflow(input: HandWrittenInput): Promise<number> {
  const open: Step[] = [];
  const done: Step[] = [];
  setHandler(handWrittenState, () => ({ open, done }));
  setHandler(
    handWrittenComplete,
    ({ stepId, completedBy }) => {
      const step = open.find((s) => s.id === stepId)!;
      open.splice(open.indexOf(step), 1);
      step.closedAt = Date.now();
      step.closedBy = completedBy;
      done.push(step);
      return step;
    },
    {
      validator: ({ stepId }) => {
        if (!open.some((s) => s.id === stepId)) throw ApplicationFailure.nonRetryable(`step "${stepId}" is not open`, 'StepNotOpen');
      },
    },
  );
  for (let i = 1; i <= input.steps; i++) {
    const now = Date.now();
    const step: Step = { id: `task-${i}`, openedAt: now, dueAt: addWorkingDays(now, 5) };
    open.push(step);
    upsertSearchAttributes([
      ...(i === 1
        ? [
            { key: MUNICIPALITY, value: input.municipality },
            { key: CASE_REF, value: input.caseRef },
            { key: DEFINITION_ID, value: 'bench-linear' },
            { key: DEFINITION_VERSION, value: 1 },
            { key: ESCALATION_LEVEL, value: 0 },
          ]
        : []),
      { key: PHASE, value: 'work' },
      { key: OPEN_STEPS, value: open.length },
      { key: NEXT_DEADLINE, value: new Date(step.dueAt) },
    ] as Parameters<typeof upsertSearchAttributes>[0]);
    await condition(() => step.closedAt !== undefined);
  }
  upsertSearchAttributes([
    { key: PHASE, value: 'afgesloten' },
    { key: OPEN_STEPS, value: 0 },
    { key: NEXT_DEADLINE, value: null },
  ]);
  return done.length;
}

/**
 * The trajectory workflow: one execution per family trajectory, keyed by the case system's case reference.
 *
 * This is the first, minimal shape: it records the start, exposes its state by query and can be closed by update.
 * The interpreter that runs a full process definition replaces the body (issue #3); the messages defined here keep
 * their names so clients do not change.
 */
import { condition, defineQuery, defineUpdate, setHandler, upsertSearchAttributes, workflowInfo, ApplicationFailure } from '@temporalio/workflow';
import { CASE_REF, DEFINITION_ID, MUNICIPALITY, OPEN_STEPS, PHASE } from './search-attributes.js';

/** What a trajectory is started with. Pseudonymous references only: no names, no BSN. */
export interface TrajectoryInput {
  /** The case system's case reference (pseudonymous business key). */
  caseRef: string;
  /** CBS municipality code, e.g. `GM0363`. */
  municipality: string;
  /** Id of the process definition to run. */
  definitionId: string;
}

/** A trajectory's state as the query returns it. */
export interface TrajectoryState {
  caseRef: string;
  municipality: string;
  definitionId: string;
  status: 'open' | 'closed';
  phase: string;
  /** ISO 8601 timestamp of the start (workflow time). */
  startedAt: string;
  /** ISO 8601 timestamp of the closure, if closed. */
  closedAt?: string;
  /** Why it was closed, if closed. */
  closeReason?: string;
}

/** Query: the trajectory's current state. */
export const getStateQuery = defineQuery<TrajectoryState>('getState');

/** Update: close the trajectory with a reason. Rejected (history untouched) when it is already closed. */
export const closeUpdate = defineUpdate<TrajectoryState, [{ reason: string }]>('close');

/** The phase every trajectory starts in (aanmelding: the signal has arrived, a regisseur is to be assigned). */
export const INITIAL_PHASE = 'aanmelding';

export async function trajectoryWorkflow(input: TrajectoryInput): Promise<TrajectoryState> {
  const state: TrajectoryState = {
    caseRef: input.caseRef,
    municipality: input.municipality,
    definitionId: input.definitionId,
    status: 'open',
    phase: INITIAL_PHASE,
    startedAt: new Date(workflowInfo().startTime.getTime()).toISOString(),
  };

  upsertSearchAttributes([
    { key: MUNICIPALITY, value: input.municipality },
    { key: CASE_REF, value: input.caseRef },
    { key: DEFINITION_ID, value: input.definitionId },
    { key: PHASE, value: state.phase },
    { key: OPEN_STEPS, value: 0 },
  ]);

  setHandler(getStateQuery, () => state);
  setHandler(
    closeUpdate,
    ({ reason }) => {
      state.status = 'closed';
      state.phase = 'afgesloten';
      state.closedAt = new Date().toISOString();
      state.closeReason = reason;
      upsertSearchAttributes([{ key: PHASE, value: state.phase }]);
      return state;
    },
    {
      validator: ({ reason }) => {
        if (state.status === 'closed') throw ApplicationFailure.nonRetryable('trajectory is already closed', 'TrajectoryClosed');
        if (typeof reason !== 'string' || reason.trim() === '') {
          throw ApplicationFailure.nonRetryable('a reason is required', 'InvalidRequest');
        }
      },
    },
  );

  await condition(() => state.status === 'closed');
  return state;
}

/**
 * A trajectory from the client side: starting one, what reporting an event needs to know of it, its state, and what
 * Temporal's errors about it mean. Nothing here knows HTTP: the API maps the answers to problems (`api/services.ts`).
 */
import {
  isGrpcServiceError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { CLOSED_PHASE, DEFINITION_ID, DEFINITION_VERSION, PHASE } from '../workflows/search-attributes.js';
import { getStateQuery, trajectoryWorkflow, type TrajectoryInput, type TrajectoryView } from '../workflows/trajectory.js';
import { trajectoryStaticDetails, trajectorySummary } from '../workflows/trajectory/details.js';

/** Starting a trajectory was refused: its workflow id (the case's business key) has a trajectory already. */
export class TrajectoryExists extends Error {
  override name = 'TrajectoryExists';
  /** @param id the workflow id of the existing trajectory */
  constructor(readonly id: string) {
    super(`trajectory ${id} exists already`);
  }
}

/**
 * Starts the trajectory `id` (its workflow id, the case's business key) on the worker's task queue `taskQueue`, with
 * `input` (the pinned definition, the case reference, who started it, its initial data). A case has at most one
 * trajectory, ever: an id that was used before, running or closed, is refused with {@link TrajectoryExists} and
 * nothing is started. Other errors of Temporal are thrown as they are. Answers with `id` once Temporal has the
 * workflow (its first task runs on the worker afterwards).
 */
export async function startTrajectory(client: Client, taskQueue: string, id: string, input: TrajectoryInput): Promise<string> {
  try {
    await client.workflow.start(trajectoryWorkflow, {
      workflowId: id,
      taskQueue,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      // What the Web UI shows of it (user metadata): pseudonymous references only, nothing from the request's data.
      staticSummary: trajectorySummary(input),
      staticDetails: trajectoryStaticDetails(input),
    });
    return id;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new TrajectoryExists(id);
    throw err;
  }
}

/** What reporting an event needs to know of a trajectory: closed, or open with the definition version it runs. */
export type TrajectoryFacts = { status: 'closed' } | { status: 'open'; definition: { id: string; version: number } };

/**
 * The facts of trajectory `id` ({@link TrajectoryFacts}) from its run's description and search attributes: no query,
 * so no worker and no replay. Only a run whose first workflow task has not published its search attributes yet is
 * asked by query (its worker holds it). A run that is no longer running is closed. Temporal's errors are thrown as
 * they are (`WorkflowNotFoundError` for an unknown id; see {@link classifyTemporalError}).
 */
export async function trajectoryFacts(client: Client, id: string): Promise<TrajectoryFacts> {
  const handle = client.workflow.getHandle<typeof trajectoryWorkflow>(id);
  const run = await handle.describe();
  if (run.status.name !== 'RUNNING') return { status: 'closed' };
  const sa = run.typedSearchAttributes;
  const definitionId = sa.get(DEFINITION_ID);
  const version = sa.get(DEFINITION_VERSION);
  const phase = sa.get(PHASE);
  if (definitionId !== undefined && version !== undefined && phase !== undefined) {
    return phase === CLOSED_PHASE ? { status: 'closed' } : { status: 'open', definition: { id: definitionId, version } };
  }
  const state = await handle.query(getStateQuery);
  return state.status === 'closed' ? { status: 'closed' } : { status: 'open', definition: state.definition };
}

/**
 * The state of trajectory `id` without making a worker replay a closed run: a run that has completed answers with
 * its result (the state at its end, read from the last event of its history); a running run answers the query (its
 * worker holds it). Only a run that ended otherwise (terminated, timed out, failed) falls back to the query.
 * Temporal's errors are thrown as they are (see {@link classifyTemporalError}).
 */
export async function trajectoryState(client: Client, id: string): Promise<TrajectoryView> {
  const handle = client.workflow.getHandle<typeof trajectoryWorkflow>(id);
  const run = await handle.describe();
  if (run.status.name === 'COMPLETED') {
    // This run's result, not a later run's (a re-opening may start one meanwhile).
    const { snapshot: _snapshot, ...state } = await client.workflow.getHandle<typeof trajectoryWorkflow>(id, run.runId, { followRuns: false }).result();
    return state;
  }
  return handle.query(getStateQuery);
}

/**
 * What an error of a Temporal call about trajectory `id` means:
 * - `not-found`: no such trajectory;
 * - `closed`: the trajectory is closed, so it takes no update (Temporal reports "not found" for those too);
 * - `refused`: the workflow's validator refused an update; `type` is the failure's type (the engine's rejection type,
 *   `EngineRejection['type']`, or another a workflow chose), `message` its message, ids as the engine spells them;
 * - `unavailable`: Temporal (or the worker a query needs) did not answer in time; trying again may succeed, nothing
 *   changed;
 * - `other`: anything else (the caller rethrows it).
 */
export type TemporalErrorKind =
  | { kind: 'not-found' }
  | { kind: 'closed' }
  | { kind: 'refused'; type: string | undefined; message: string }
  | { kind: 'unavailable' }
  | { kind: 'other' };

/** gRPC status codes of a Temporal call that may succeed when tried again: DEADLINE_EXCEEDED, UNAVAILABLE. */
const TEMPORARY = new Set([4, 14]);

/**
 * Classifies `err`, thrown by a Temporal call about trajectory `id` ({@link TemporalErrorKind}). Telling a closed
 * trajectory from an unknown one takes one more call (a describe); the client is used for nothing else. Never throws.
 */
export async function classifyTemporalError(client: Client, err: unknown, id: string): Promise<TemporalErrorKind> {
  if (err instanceof WorkflowNotFoundError) {
    const status = await client.workflow
      .getHandle(id)
      .describe()
      .then((d) => d.status.name)
      .catch(() => undefined);
    return status && status !== 'RUNNING' ? { kind: 'closed' } : { kind: 'not-found' };
  }
  if (err instanceof WorkflowUpdateFailedError) {
    // The workflow's validator refused: the engine's rejection type is the failure's type.
    const cause = err.cause as { type?: string; message?: string } | undefined;
    return { kind: 'refused', type: cause?.type, message: cause?.message ?? err.message };
  }
  if (err instanceof ServiceError && isGrpcServiceError(err.cause) && TEMPORARY.has(err.cause.code)) return { kind: 'unavailable' };
  return { kind: 'other' };
}

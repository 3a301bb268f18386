/**
 * What the routes share: the Temporal client, the definition catalog, metrics, and the helpers that turn Temporal's
 * answers into problems and keep every municipality to its own trajectories.
 */
import type { Logger } from 'pino';
import { isGrpcServiceError, ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { DefinitionCatalog } from '../clients/catalog.js';
import type { Principal } from './auth.js';
import type { Metrics } from '../runtime/metrics.js';
import { ProblemError } from './problem.js';
import { refusalProblem } from './refusals.js';
import { publicIdsIn } from '../definitions/ids.js';
import { getStateQuery, type TrajectoryView, type trajectoryWorkflow } from '../workflows/trajectory.js';

export interface Services {
  client: Client;
  /** Task queue the worker polls; trajectories start on it. */
  taskQueue: string;
  catalog: DefinitionCatalog;
  metrics: Metrics;
  logger: Logger;
  /** Activities a definition's service tasks may call (for validating posted definitions). */
  activities: readonly string[];
}

/**
 * A trajectory id the caller may address: one of its own municipality. Another municipality's id is answered as if
 * it did not exist (404, not 403), so a token cannot even learn which cases exist elsewhere.
 */
export function ownTrajectory(principal: Principal, id: string): string {
  if (!id.startsWith(`${principal.municipality}-`)) throw new ProblemError('not-found', `trajectory ${id} does not exist`);
  return id;
}

/**
 * Maps Temporal errors to problems: no such workflow is a 404, an update on a finished trajectory a 409, a rejected
 * update the problem of its refusal type (the table in `api/refusals.ts`), a call Temporal did not answer in time a
 * 503. Anything else is rethrown (a 500).
 */
export async function translateTemporalError(client: Client, err: unknown, id: string): Promise<never> {
  if (err instanceof WorkflowNotFoundError) {
    // Updates on a finished workflow also report "not found"; tell the two apart.
    const status = await client.workflow
      .getHandle(id)
      .describe()
      .then((d) => d.status.name)
      .catch(() => undefined);
    if (status && status !== 'RUNNING') throw refusalProblem('TrajectoryClosed', `trajectory ${id} is closed`);
    throw new ProblemError('not-found', `trajectory ${id} does not exist`);
  }
  if (err instanceof WorkflowUpdateFailedError) {
    // The workflow's validator refused: the engine's rejection type is the failure's type (see api/refusals.ts).
    const cause = err.cause as { type?: string; message?: string } | undefined;
    // Step and escalation ids in the refusal as the API spells them (definitions/ids.ts).
    throw refusalProblem(cause?.type, publicIdsIn(cause?.message ?? err.message));
  }
  if (err instanceof ServiceError && isGrpcServiceError(err.cause) && TEMPORARY.has(err.cause.code)) {
    // Temporal (or the worker a query needs) did not answer in time: the caller may try again, nothing changed.
    throw new ProblemError('service-unavailable', `Temporal did not answer about trajectory ${id} in time; try again`);
  }
  throw err;
}

/** gRPC status codes of a Temporal call that may succeed when tried again: DEADLINE_EXCEEDED, UNAVAILABLE. */
const TEMPORARY = new Set([4, 14]);

/**
 * A trajectory's state without making a worker replay a closed run: a run that has completed answers with its
 * result (the state at its end, read from the last event of its history); a running run answers the query (its
 * worker holds it). Only a run that ended otherwise (terminated, timed out, failed) falls back to the query.
 * Temporal's errors are thrown as they are (see {@link translateTemporalError}).
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

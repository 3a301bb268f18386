/**
 * What the routes share: the Temporal client, the definition catalog, metrics, and the helpers that turn Temporal's
 * answers into problems and keep every municipality to its own trajectories. The Temporal operations themselves are
 * in `clients/`.
 */
import type { Logger } from 'pino';
import type { Client } from '@temporalio/client';
import type { DefinitionCatalog } from '../clients/catalog.js';
import { classifyTemporalError } from '../clients/trajectories.js';
import type { Principal } from './auth.js';
import type { Metrics } from '../runtime/metrics.js';
import { ProblemError } from './problem.js';
import { refusalProblem } from './refusals.js';
import { publicIdsIn } from '../definitions/ids.js';

// The routes read a trajectory's state through the API's services (the operation itself is a client's).
export { trajectoryState } from '../clients/trajectories.js';

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
 * Maps Temporal errors about trajectory `id` to problems (what they mean: `classifyTemporalError` in
 * `clients/trajectories.ts`): no such workflow is a 404, an update on a closed trajectory a 409, a rejected update
 * the problem of its refusal type (the table in `api/refusals.ts`), a call Temporal did not answer in time a 503.
 * Anything else is rethrown (a 500). Always throws.
 */
export async function translateTemporalError(client: Client, err: unknown, id: string): Promise<never> {
  const error = await classifyTemporalError(client, err, id);
  switch (error.kind) {
    case 'not-found':
      throw new ProblemError('not-found', `trajectory ${id} does not exist`);
    case 'closed':
      throw refusalProblem('TrajectoryClosed', `trajectory ${id} is closed`);
    case 'refused':
      // Step and escalation ids in the refusal as the API spells them (definitions/ids.ts).
      throw refusalProblem(error.type, publicIdsIn(error.message));
    case 'unavailable':
      throw new ProblemError('service-unavailable', `Temporal did not answer about trajectory ${id} in time; try again`);
    case 'other':
      throw err;
  }
}

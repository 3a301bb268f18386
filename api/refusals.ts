/**
 * The one table from a refusal (the engine's `EngineRejection.type`, the catalog's `CatalogError.type`) to the problem
 * the API answers with. Translation ({@link refusalProblem}) and the OpenAPI document (each route's `refusals`, listed
 * under their status) both read it, so what a refusal means to a client is written once. The table is a mapped type
 * over the refusal types: a refusal type added to the engine or the catalog without a row here does not compile.
 */
import type { CatalogErrorType } from '../clients/catalog.js';
import type { EngineRejection } from '../workflows/engine.js';
import { PROBLEM_TYPES, ProblemError, type ProblemType } from './problem.js';

/** Every refusal type: the engine's (trajectory updates, re-opening) and the definition catalog's (registration). */
export type Refusal = EngineRejection['type'] | CatalogErrorType;

/** What a refusal becomes: its problem type (and so its status), and what it means, for the document. */
export interface RefusalProblem {
  problem: Extract<ProblemType, 'not-found' | 'conflict' | 'unprocessable'>;
  /** When a client meets it, as the document says it (a clause: "the trajectory is closed"). */
  when: string;
  /** A `detail` it comes with, for the document's example. */
  example: string;
}

export const REFUSALS: { readonly [T in Refusal]: RefusalProblem } = {
  TrajectoryClosed: { problem: 'conflict', when: 'the trajectory is closed', example: 'the trajectory is closed' },
  TrajectoryOpen: { problem: 'conflict', when: 'the trajectory is open (only a closed one can be re-opened)', example: 'the trajectory is open' },
  StepNotOpen: {
    problem: 'conflict',
    when: 'the step is not open (never opened, or completed or cancelled already)',
    example: 'step "assign-director" is already closed',
  },
  StateConflict: {
    problem: 'conflict',
    when: 'the state does not fit the request (already paused, not paused, already acknowledged)',
    example: 'the trajectory is already paused',
  },
  EscalationResolved: { problem: 'conflict', when: 'the escalation is resolved already', example: 'escalation "assign-director@1" is already resolved (step-completed)' },
  EscalationNotFound: {
    problem: 'not-found',
    when: 'the trajectory has no such escalation (or the manager does not answer its role)',
    example: 'escalation "assign-director@1" does not exist',
  },
  AmbiguousStep: { problem: 'unprocessable', when: 'the step id names more than one open step', example: 'step "goals" names more than one open step' },
  InvalidRequest: {
    problem: 'unprocessable',
    when: 'the trajectory refuses the request as a whole (a deadline not in the future, a reassignment to a role the definition does not have, every phase from the chosen one skipped by its entry condition)',
    example: 'the new deadline must lie in the future',
  },
  VersionExists: {
    problem: 'conflict',
    when: 'that version of the definition exists (shipped or registered) with other content',
    example: 'definition wijkaanpak-noord version 2 is already registered with other content',
  },
  VersionNotNewer: {
    problem: 'conflict',
    when: 'the version is not above every existing version of that definition',
    example: 'definition gezinstraject version 1 is not newer than the shipped version 1',
  },
};

/** A refusal type as a failure carries it (`ApplicationFailure.type`): one of the table's, or something else. */
function isRefusal(type: string | undefined): type is Refusal {
  return type !== undefined && Object.hasOwn(REFUSALS, type);
}

/**
 * The problem for a refusal, with the refusal's own message as its detail. A failure type outside the table (no
 * refusal of the engine: a workflow that refused the update otherwise) is refused as a whole: 422.
 */
export function refusalProblem(type: string | undefined, message: string): ProblemError {
  return new ProblemError(isRefusal(type) ? REFUSALS[type].problem : 'unprocessable', message);
}

/** The statuses the refusals answer with. */
export function refusalStatuses(refusals: readonly Refusal[]): number[] {
  return [...new Set(refusals.map((r) => PROBLEM_TYPES[REFUSALS[r].problem].status))];
}

/** The refusals among `refusals` that answer with `status`. */
export function refusalsWithStatus(refusals: readonly Refusal[], status: number): Refusal[] {
  return refusals.filter((r) => PROBLEM_TYPES[REFUSALS[r].problem].status === status);
}

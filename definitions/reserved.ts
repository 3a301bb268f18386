/**
 * Ids a definition may not use, because the engine or the API gives them a meaning of their own. Pure: workflows,
 * the validator and the API import it.
 */

/**
 * The phase a closed trajectory is in, as the `WaakvlamPhase` search attribute shows it (and as the API reads it to
 * know a trajectory is closed without asking its worker). No phase of a definition may have this id.
 */
export const CLOSED_PHASE = 'afgesloten';

/** Definition ids that are paths of the API (`/v1/definitions/validate`): no definition may have one. */
export const RESERVED_DEFINITION_IDS: ReadonlySet<string> = new Set(['validate']);

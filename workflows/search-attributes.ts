/**
 * The search attributes the engine keeps up to date on every trajectory, so operators can find stuck ones in the
 * Temporal Web UI (e.g. `WaakvlamPhase = "safety" AND WaakvlamNextDeadline < "2026-12-01T00:00:00Z"`).
 *
 * Only pseudonymous and organisational values go here: never a name, a BSN or anything about the family.
 * This module is pure (no I/O), so both workflow code and the worker's registration import it.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** CBS municipality code of the municipality that owns the trajectory, e.g. `GM0363`. */
export const MUNICIPALITY = defineSearchAttributeKey('WaakvlamMunicipality', SearchAttributeType.KEYWORD);
/** The case system's pseudonymous case reference (the business key). */
export const CASE_REF = defineSearchAttributeKey('WaakvlamCaseRef', SearchAttributeType.KEYWORD);
/** Id of the process definition the trajectory runs, e.g. `gezinstraject`. */
export const DEFINITION_ID = defineSearchAttributeKey('WaakvlamDefinitionId', SearchAttributeType.KEYWORD);
/** Version of that definition, pinned at start. */
export const DEFINITION_VERSION = defineSearchAttributeKey('WaakvlamDefinitionVersion', SearchAttributeType.INT);
/** Current phase id, e.g. `safety`; {@link CLOSED_PHASE} once the trajectory is closed. */
export const PHASE = defineSearchAttributeKey('WaakvlamPhase', SearchAttributeType.KEYWORD);
/** The value of {@link PHASE} of a closed trajectory (a phase id no definition may use). */
export { CLOSED_PHASE } from '../definitions/reserved.js';
/** Number of open steps. */
export const OPEN_STEPS = defineSearchAttributeKey('WaakvlamOpenSteps', SearchAttributeType.INT);
/** Earliest due date among the open steps; absent when nothing is open. */
export const NEXT_DEADLINE = defineSearchAttributeKey('WaakvlamNextDeadline', SearchAttributeType.DATETIME);
/** Highest escalation level currently open on the trajectory (0 = none). */
export const ESCALATION_LEVEL = defineSearchAttributeKey('WaakvlamEscalationLevel', SearchAttributeType.INT);

/**
 * Whether the whole trajectory is paused (opschorting). Since 1.1.0 (revision `operator-search-attributes-v1`):
 * absent on a trajectory that runs without it.
 */
export const PAUSED = defineSearchAttributeKey('WaakvlamPaused', SearchAttributeType.BOOL);
/**
 * The ids of the case-system events a branch of the flow waits for (`plan-agreed`), from the definition; absent when
 * none. Since 1.1.0 (revision `operator-search-attributes-v1`).
 */
export const WAITING_FOR_EVENT = defineSearchAttributeKey('WaakvlamWaitingForEvent', SearchAttributeType.KEYWORD_LIST);
/**
 * Whether the trajectory has recorded an incident (something its definition could not do at run time; the state's
 * `incidents`). Since 1.1.0 (revision `operator-search-attributes-v1`).
 */
export const HAS_INCIDENTS = defineSearchAttributeKey('WaakvlamHasIncidents', SearchAttributeType.BOOL);

/** Every engine search attribute, for registration on a Temporal namespace. */
export const ALL_SEARCH_ATTRIBUTES = [
  MUNICIPALITY,
  CASE_REF,
  DEFINITION_ID,
  DEFINITION_VERSION,
  PHASE,
  OPEN_STEPS,
  NEXT_DEADLINE,
  ESCALATION_LEVEL,
  PAUSED,
  WAITING_FOR_EVENT,
  HAS_INCIDENTS,
] as const;

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
] as const;

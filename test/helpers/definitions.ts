import { ACTIVITY_NAMES } from '../../activities/names.js';
import { DefinitionRegistry } from '../../definitions/registry.js';
import type { Definition } from '../../definitions/schema.js';
import { validateDefinition } from '../../definitions/validate.js';

/** The shipped definitions, validated as the worker and API load them. */
export const shipped = DefinitionRegistry.shipped({ activities: ACTIVITY_NAMES });

export function gezinstraject(): Definition {
  return shipped.get('gezinstraject')!;
}

/** A definition checked by the validator (as the API registers it); throws with every problem otherwise. */
export function validDefinition(input: Record<string, unknown>, activities: readonly string[] = []): Definition {
  const result = validateDefinition(input, { activities });
  if (!result.ok) throw new Error(JSON.stringify(result.problems, null, 2));
  return result.definition;
}

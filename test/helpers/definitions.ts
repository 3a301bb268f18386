import { ACTIVITY_NAMES } from '../../activities/names.js';
import { DefinitionRegistry } from '../../definitions/registry.js';
import type { Definition } from '../../definitions/schema.js';

/** The shipped definitions, validated as the worker and API load them. */
export const shipped = DefinitionRegistry.shipped({ activities: ACTIVITY_NAMES });

export function gezinstraject(): Definition {
  return shipped.get('gezinstraject')!;
}

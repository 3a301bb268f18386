/**
 * The definition catalog workflow: one execution per municipality (workflow id {@link catalogWorkflowId}), holding
 * the versions of process definitions that municipality registered. Temporal is its only store: the versions live
 * in the workflow's state (its history), survive restarts and are shared by every API instance. It runs forever and
 * continues as new, carrying its versions, when Temporal suggests it.
 *
 * Registration is an update whose validator refuses a version that exists with other content or is not newer, so a
 * refused registration never reaches history. The shipped definitions are not in here: the client side
 * (`clients/catalog.ts`) merges them in and guards against colliding with them.
 *
 * This module imports only `@temporalio/workflow` and types, so clients may import its definitions and helpers too.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Definition } from '../definitions/schema.js';

/** One registered version of a definition, with who registered it and when. */
export interface RegisteredDefinition {
  /** The validated definition (its `id` and `version` identify it). */
  definition: Definition;
  /** Who registered it (a user or system id from the API's authentication). */
  registeredBy: string;
  /** When it was registered (ISO 8601, workflow time). */
  registeredAt: string;
}

/** What a municipality's catalog is started (and continued as new) with. */
export interface DefinitionCatalogInput {
  /** CBS municipality code, e.g. `GM0363`. */
  municipality: string;
  /**
   * The versions registered so far; set by continue-as-new. Whole records rather than bare definitions, so who
   * registered a version and when are kept across runs.
   */
  definitions?: RegisteredDefinition[];
  /**
   * Continue as new once the history has this many events, besides whenever Temporal suggests it (tests use a small
   * number). Carried across continue-as-new. Default: only Temporal's suggestion.
   */
  maxHistoryEvents?: number;
}

/** The failure types a refused registration carries (`ApplicationFailure.type`). */
export type RegistrationRefusal = 'VersionExists' | 'VersionNotNewer' | 'InvalidRequest';

/** Workflow id of a municipality's catalog: `waakvlam-definitions-<municipality>`. */
export function catalogWorkflowId(municipality: string): string {
  return `waakvlam-definitions-${municipality}`;
}

/**
 * JSON with object keys sorted, so that two definitions with the same content compare equal whatever the order
 * their fields arrived in (a zod-parsed request, a YAML file, a payload from history).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Whether two definitions have the same content. */
export function sameDefinition(a: Definition, b: Definition): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * Update: register a new version of a definition. Refused (history untouched) with `VersionExists` when that id and
 * version is registered with other content, `VersionNotNewer` when the version is not above the highest registered
 * version of that id, `InvalidRequest` for a malformed request. Registering an identical version again is accepted
 * and answers with the existing record (idempotent: nothing is added).
 */
export const registerDefinitionUpdate = defineUpdate<RegisteredDefinition, [{ definition: Definition; registeredBy: string }]>(
  'registerDefinition',
);

/** Query: every registered version, in the order they were registered. */
export const listDefinitionsQuery = defineQuery<RegisteredDefinition[]>('listDefinitions');

/** A municipality's catalog of registered definition versions; runs until terminated. */
export async function definitionCatalogWorkflow(input: DefinitionCatalogInput): Promise<void> {
  const records: RegisteredDefinition[] = [...(input.definitions ?? [])];

  const find = (id: string, version: number) => records.find((r) => r.definition.id === id && r.definition.version === version);

  /** The existing identical record, or undefined when the definition is new; throws when it must be refused. */
  const check = (args: { definition: Definition; registeredBy: string }): RegisteredDefinition | undefined => {
    const definition = args?.definition;
    if (
      typeof definition !== 'object' ||
      definition === null ||
      typeof definition.id !== 'string' ||
      !Number.isInteger(definition.version) ||
      definition.version < 1
    ) {
      throw ApplicationFailure.nonRetryable('a definition with an id and a version (an integer ≥ 1) is required', 'InvalidRequest');
    }
    if (typeof args.registeredBy !== 'string' || args.registeredBy.trim() === '') {
      throw ApplicationFailure.nonRetryable('registeredBy is required', 'InvalidRequest');
    }
    const { id, version } = definition;
    const existing = find(id, version);
    if (existing) {
      if (sameDefinition(existing.definition, definition)) return existing;
      throw ApplicationFailure.nonRetryable(`definition ${id} version ${version} is already registered with other content`, 'VersionExists');
    }
    const highest = Math.max(0, ...records.filter((r) => r.definition.id === id).map((r) => r.definition.version));
    if (version <= highest) {
      throw ApplicationFailure.nonRetryable(
        `definition ${id} version ${version} is not newer than the highest registered version ${highest}`,
        'VersionNotNewer',
      );
    }
    return undefined;
  };

  setHandler(listDefinitionsQuery, () => records);

  setHandler(
    registerDefinitionUpdate,
    (args) => {
      // Checked again: the handler is synchronous, so nothing can come between validator and handler, but a
      // second identical registration must never add a record.
      const existing = check(args);
      if (existing) return existing;
      const record: RegisteredDefinition = {
        definition: args.definition,
        registeredBy: args.registeredBy,
        registeredAt: new Date(Date.now()).toISOString(),
      };
      records.push(record);
      return record;
    },
    { validator: (args) => void check(args) },
  );

  const historyFull = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || (input.maxHistoryEvents !== undefined && info.historyLength >= input.maxHistoryEvents);
  };
  await condition(historyFull);
  await condition(allHandlersFinished);
  await continueAsNew<typeof definitionCatalogWorkflow>({ ...input, definitions: records });
}

/**
 * The catalog of definition versions per municipality: the shipped definitions (`definitions/*.yaml`, the same for
 * every municipality) merged with the versions a municipality registered. Registered versions are kept by the
 * municipality's catalog workflow (`workflows/definition-catalog.ts`): Temporal is the only store, so they survive
 * restarts and every API instance sees the same catalog. A running trajectory keeps the version it started with (it
 * is pinned in its workflow input); registering a newer one never changes it.
 *
 * Reads are one query to the catalog workflow, whose answer each instance reuses for a few seconds
 * ({@link DefinitionCatalogOptions.cacheMs}, default 5 s): a registration through this instance is seen at once (it
 * drops the reused answer), one through another instance within that time. A municipality that never registered
 * anything has no catalog workflow: it sees the shipped definitions only. Registering is an update-with-start of
 * that workflow, refused when the version exists with other content or is not above the existing ones.
 */
import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  catalogWorkflowId,
  definitionCatalogWorkflow,
  listDefinitionsQuery,
  registerDefinitionUpdate,
  sameDefinition,
  type RegisteredDefinition,
} from '../workflows/definition-catalog.js';
import type { DefinitionRegistry } from '../definitions/registry.js';
import type { Definition } from '../definitions/schema.js';

/** Why a registration was refused. */
export type CatalogErrorType = 'VersionExists' | 'VersionNotNewer';

/**
 * A refused registration: `VersionExists` when that id and version exists (shipped or registered) with other content,
 * `VersionNotNewer` when the version is not above the highest existing version of that id.
 */
export class CatalogError extends Error {
  /**
   * @param type why the registration was refused
   * @param message what to tell the caller, naming the definition and version
   */
  constructor(
    readonly type: CatalogErrorType,
    message: string,
  ) {
    super(message);
    this.name = 'CatalogError';
  }
}

/** One version of a definition as the catalog lists it. */
export interface CatalogVersion {
  version: number;
  /** `shipped`: from `definitions/*.yaml`, for every municipality; `registered`: this municipality's own. */
  source: 'shipped' | 'registered';
  /** When it was registered (ISO 8601); registered versions only. */
  registeredAt?: string;
  /** Who registered it; registered versions only. */
  registeredBy?: string;
}

/** A definition as the catalog lists it: its id, the name of its latest version, and its versions in ascending order. */
export interface CatalogEntry {
  id: string;
  name: string;
  versions: CatalogVersion[];
}

/**
 * What {@link DefinitionCatalog.register} answers: the registered record (also when it was registered before with
 * identical content), or the shipped definition when the same content is shipped already (nothing is registered).
 */
export interface Registration {
  definition: Definition;
  source: 'shipped' | 'registered';
  /** When it was registered (ISO 8601); `registered` only. */
  registeredAt?: string;
  /** Who registered it; `registered` only. */
  registeredBy?: string;
}

/** Where the catalog workflows run, and the shipped definitions merged into every municipality's catalog. */
export interface DefinitionCatalogOptions {
  client: Client;
  /** Task queue of the worker that runs the catalog workflows (the engine's task queue). */
  taskQueue: string;
  /** The shipped definitions (`DefinitionRegistry.shipped`). */
  shipped: DefinitionRegistry;
  /**
   * How long a municipality's registered versions are reused before the catalog workflow is asked again, in
   * milliseconds. Default 5 000. A registration through this catalog is seen at once; one through another API
   * instance within this time.
   */
  cacheMs?: number;
}

/**
 * The definition versions each municipality can start trajectories with: shipped and registered, merged. When a
 * registered version has the number of a shipped one (possible only when a later release ships that version, since
 * {@link DefinitionCatalog.register} refuses it), the municipality's registered version wins for that municipality.
 */
export class DefinitionCatalog {
  private readonly client: Client;
  private readonly taskQueue: string;
  private readonly shipped: DefinitionRegistry;
  private readonly cacheMs: number;
  /** Registered versions by municipality, with when they were read (each start of a trajectory needs them). */
  private readonly cache = new Map<string, { at: number; records: Promise<RegisteredDefinition[]> }>();

  /** @param options the Temporal client, the task queue of the catalog workflows and the shipped definitions */
  constructor({ client, taskQueue, shipped, cacheMs }: DefinitionCatalogOptions) {
    this.client = client;
    this.taskQueue = taskQueue;
    this.shipped = shipped;
    this.cacheMs = cacheMs ?? 5_000;
  }

  /** Whether `id` is the id of a shipped definition (the same for every municipality; not a name it chose). */
  isShipped(id: string): boolean {
    return this.shipped.get(id) !== undefined;
  }

  /**
   * The municipality's registered versions (one query, reused for {@link DefinitionCatalogOptions.cacheMs}); none
   * when its catalog workflow does not exist yet.
   */
  private registered(municipality: string): Promise<RegisteredDefinition[]> {
    const cached = this.cache.get(municipality);
    if (cached && Date.now() - cached.at < this.cacheMs) return cached.records;
    const records = this.client.workflow
      .getHandle(catalogWorkflowId(municipality))
      .query(listDefinitionsQuery)
      .catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return [];
        this.cache.delete(municipality); // a failure is not kept
        throw err;
      });
    this.cache.set(municipality, { at: Date.now(), records });
    return records;
  }

  /** Every version of every definition for the municipality, by id, then version ascending. */
  private async merged(municipality: string): Promise<Map<string, Map<number, Registration>>> {
    const byId = new Map<string, Map<number, Registration>>();
    const put = (m: Registration) => {
      const versions = byId.get(m.definition.id) ?? new Map<number, Registration>();
      versions.set(m.definition.version, m);
      byId.set(m.definition.id, versions);
    };
    for (const id of this.shipped.ids()) {
      for (const version of this.shipped.versionsOf(id)) put({ definition: this.shipped.get(id, version)!, source: 'shipped' });
    }
    for (const r of await this.registered(municipality)) put({ ...r, source: 'registered' });
    return byId;
  }

  /** Every definition the municipality can use, sorted by id, each with its versions in ascending order. */
  async list(municipality: string): Promise<CatalogEntry[]> {
    const byId = await this.merged(municipality);
    return [...byId.keys()].sort().map((id) => {
      const versions = [...byId.get(id)!.values()].sort((a, b) => a.definition.version - b.definition.version);
      return {
        id,
        name: versions[versions.length - 1]!.definition.name,
        versions: versions.map(({ definition, source, registeredAt, registeredBy }) => ({
          version: definition.version,
          source,
          ...(registeredAt !== undefined ? { registeredAt } : {}),
          ...(registeredBy !== undefined ? { registeredBy } : {}),
        })),
      };
    });
  }

  /** The given version of a definition for the municipality, or its latest when no version is given. */
  async get(municipality: string, id: string, version?: number): Promise<Definition | undefined> {
    const versions = (await this.merged(municipality)).get(id);
    if (!versions) return undefined;
    return versions.get(version ?? Math.max(...versions.keys()))?.definition;
  }

  /** The versions of a definition the municipality can use, ascending (empty for an unknown id). */
  async versionsOf(municipality: string, id: string): Promise<number[]> {
    return [...((await this.merged(municipality)).get(id)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /** The ids of every definition the municipality can use, sorted. */
  async ids(municipality: string): Promise<string[]> {
    return [...(await this.merged(municipality)).keys()].sort();
  }

  /**
   * Registers a new version of a definition for the municipality; the caller has validated it
   * (`validateDefinition`). Starts the municipality's catalog workflow on first use (update-with-start).
   *
   * Idempotent: registering the same content again answers with the existing record. Refused with a
   * {@link CatalogError}: `VersionExists` when the version is shipped or registered with other content,
   * `VersionNotNewer` when it is not above the highest shipped or registered version of that id.
   *
   * @param registeredBy who registers it (kept with the version)
   */
  async register(municipality: string, definition: Definition, registeredBy: string): Promise<Registration> {
    const { id, version } = definition;
    const shippedVersions = this.shipped.versionsOf(id);
    const shipped = this.shipped.get(id, version);
    if (shipped) {
      if (sameDefinition(shipped, definition)) return { definition: shipped, source: 'shipped' };
      throw new CatalogError('VersionExists', `definition ${id} version ${version} is already shipped with other content`);
    }
    const highestShipped = Math.max(0, ...shippedVersions);
    if (version <= highestShipped) {
      throw new CatalogError('VersionNotNewer', `definition ${id} version ${version} is not newer than the shipped version ${highestShipped}`);
    }

    const workflowId = catalogWorkflowId(municipality);
    try {
      const record = await this.client.workflow.executeUpdateWithStart(registerDefinitionUpdate, {
        args: [{ definition, registeredBy }],
        startWorkflowOperation: new WithStartWorkflowOperation(definitionCatalogWorkflow, {
          workflowId,
          taskQueue: this.taskQueue,
          args: [{ municipality }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          // A catalog that was closed (terminated by hand) is not silently replaced by an empty one: registering
          // fails (WorkflowExecutionAlreadyStartedError) until an operator resets it or its retention has passed.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      });
      this.cache.delete(municipality);
      return { ...record, source: 'registered' };
    } catch (err) {
      const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
      if (cause instanceof ApplicationFailure && (cause.type === 'VersionExists' || cause.type === 'VersionNotNewer')) {
        throw new CatalogError(cause.type, cause.message);
      }
      throw err;
    }
  }
}

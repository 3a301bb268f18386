/**
 * The catalog of definition versions per municipality, against the real dev server: shipped and registered versions
 * merged, isolation between municipalities, idempotent registration, refusals that leave history untouched, state
 * that lives in Temporal (a new worker and a new client see it), continue-as-new without losing a version.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ACTIVITY_NAMES } from '../activities/names.js';
import { CatalogError, DefinitionCatalog } from '../clients/catalog.js';
import { DefinitionRegistry } from '../definitions/registry.js';
import type { Definition } from '../definitions/schema.js';
import { validateDefinition } from '../definitions/validate.js';
import { catalogWorkflowId, definitionCatalogWorkflow } from '../workflows/definition-catalog.js';
import { createWorker } from '../worker/worker.js';
import { gezinstraject, shipped } from './helpers/definitions.js';
import { uniqueId, useTemporal, TEST_KEY_RING, testDataConverter } from './helpers/temporal.js';

const temporal = useTemporal();

/** Municipality codes GM9xxx, a different one for every use in this file (the catalog's id is per municipality). */
let nextCode = 9000 + Math.floor(Math.random() * 800);
const municipality = () => `GM${nextCode++}`;

/** Runs `fn` with a fresh worker on its own task queue and a catalog using it. */
async function withWorker<T>(taskQueue: string, fn: (catalog: DefinitionCatalog) => Promise<T>, client: Client = temporal.client): Promise<T> {
  const worker = await createWorker({ connection: temporal.env.nativeConnection, namespace: 'default', taskQueue, workflowBundle: temporal.bundle, keyRing: TEST_KEY_RING });
  return worker.runUntil(fn(new DefinitionCatalog({ client, taskQueue, shipped })));
}

/** A valid modified copy of the shipped gezinstraject: another version, the first step due after `days` working days. */
function gezinstrajectVersion(version: number, days: number): Definition {
  const copy = structuredClone(gezinstraject());
  copy.version = version;
  const step = copy.phases[0]!.nodes.find((n) => n.id === 'assign-director');
  if (step?.type !== 'userTask') throw new Error('the shipped gezinstraject has changed: no user task assign-director');
  step.due = { workingDays: days };
  const result = validateDefinition(copy, { activities: ACTIVITY_NAMES });
  if (!result.ok) throw new Error(`invalid test definition: ${JSON.stringify(result.problems)}`);
  return result.definition;
}

async function refusal(promise: Promise<unknown>): Promise<CatalogError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CatalogError);
  return err as CatalogError;
}

async function historyLength(workflowId: string): Promise<number> {
  return (await temporal.client.workflow.getHandle(workflowId).fetchHistory()).events?.length ?? 0;
}

describe('definition catalog', () => {
  it('reuses what it read for a moment; its own registration it sees at once, another instance\'s after cacheMs', async () => {
    const gm = municipality();
    const taskQueue = uniqueId('catalog');
    await withWorker(taskQueue, async (registrar) => {
      const reader = new DefinitionCatalog({ client: temporal.client, taskQueue, shipped, cacheMs: 300 });
      // The catalog's clock (Date) stands still but where the test moves it: "a moment" is not the time the
      // registration below happens to take (a loaded machine made it longer than cacheMs).
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        expect(await reader.versionsOf(gm, 'gezinstraject')).toEqual([1]);
        expect(await registrar.versionsOf(gm, 'gezinstraject')).toEqual([1]);
        await registrar.register(gm, gezinstrajectVersion(2, 7), 'beheerder-1');
        expect(await registrar.versionsOf(gm, 'gezinstraject')).toEqual([1, 2]); // its own: at once
        vi.advanceTimersByTime(299);
        expect(await reader.versionsOf(gm, 'gezinstraject')).toEqual([1]); // read a moment ago: reused
        vi.advanceTimersByTime(51);
        expect(await reader.versionsOf(gm, 'gezinstraject')).toEqual([1, 2]);
      } finally {
        vi.useRealTimers();
      }
    });
  });

  it('gives a municipality that registered nothing the shipped definitions, without starting a workflow', async () => {
    const gm = municipality();
    await withWorker(uniqueId('catalog'), async (catalog) => {
      expect(await catalog.list(gm)).toEqual([{ id: 'gezinstraject', name: gezinstraject().name, versions: [{ version: 1, source: 'shipped' }] }]);
      expect(await catalog.ids(gm)).toEqual(['gezinstraject']);
      expect(await catalog.versionsOf(gm, 'gezinstraject')).toEqual([1]);
      expect(await catalog.versionsOf(gm, 'onbekend')).toEqual([]);
      expect(await catalog.get(gm, 'gezinstraject')).toEqual(gezinstraject());
      expect(await catalog.get(gm, 'gezinstraject', 2)).toBeUndefined();
      expect(await catalog.get(gm, 'onbekend')).toBeUndefined();
      await expect(temporal.client.workflow.getHandle(catalogWorkflowId(gm)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    });
  });

  it('registers a new version for one municipality only, next to the shipped one', async () => {
    const gm = municipality();
    const other = municipality();
    const v2 = gezinstrajectVersion(2, 3);
    await withWorker(uniqueId('catalog'), async (catalog) => {
      const record = await catalog.register(gm, v2, 'beheerder-1');
      expect(record).toEqual({ definition: v2, source: 'registered', registeredBy: 'beheerder-1', registeredAt: expect.any(String) });
      expect(Number.isNaN(Date.parse(record.registeredAt!))).toBe(false);

      expect(await catalog.list(gm)).toEqual([
        {
          id: 'gezinstraject',
          name: gezinstraject().name,
          versions: [
            { version: 1, source: 'shipped' },
            { version: 2, source: 'registered', registeredBy: 'beheerder-1', registeredAt: record.registeredAt },
          ],
        },
      ]);
      expect(await catalog.get(gm, 'gezinstraject')).toEqual(v2);
      expect(await catalog.get(gm, 'gezinstraject', 2)).toEqual(v2);
      expect(await catalog.get(gm, 'gezinstraject', 1)).toEqual(gezinstraject());
      expect(await catalog.versionsOf(gm, 'gezinstraject')).toEqual([1, 2]);

      // Another municipality still has only what is shipped.
      expect(await catalog.versionsOf(other, 'gezinstraject')).toEqual([1]);
      expect(await catalog.get(other, 'gezinstraject')).toEqual(gezinstraject());
    });
  });

  it('is idempotent for identical content and refuses other content, leaving history untouched', async () => {
    const gm = municipality();
    const v2 = gezinstrajectVersion(2, 3);
    await withWorker(uniqueId('catalog'), async (catalog) => {
      const first = await catalog.register(gm, v2, 'beheerder-1');

      // The same content again, even with its fields in another order and by someone else: the existing record.
      const reordered = Object.fromEntries(Object.entries(structuredClone(v2)).reverse()) as Definition;
      expect(await catalog.register(gm, reordered, 'beheerder-2')).toEqual(first);
      const length = await historyLength(catalogWorkflowId(gm));

      // Another v2: the version exists.
      const otherV2 = await refusal(catalog.register(gm, gezinstrajectVersion(2, 4), 'beheerder-1'));
      expect(otherV2.type).toBe('VersionExists');
      expect(otherV2.message).toMatch(/gezinstraject version 2 is already registered with other content/);

      // A v1 unlike the shipped one: the version exists (shipped).
      expect((await refusal(catalog.register(gm, gezinstrajectVersion(1, 4), 'beheerder-1'))).type).toBe('VersionExists');
      // The shipped v1 itself: nothing to register.
      expect(await catalog.register(gm, gezinstraject(), 'beheerder-1')).toEqual({ definition: gezinstraject(), source: 'shipped' });

      // A malformed request is refused by the workflow too (not a CatalogError: the API validates requests first).
      const malformed = await catalog.register(gm, gezinstrajectVersion(5, 5), ' ').then(() => undefined, (e: unknown) => e);
      expect(malformed).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((malformed as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'InvalidRequest' });

      // Refusals never reach history (the update's validator refuses them).
      expect(await historyLength(catalogWorkflowId(gm))).toBe(length);

      await catalog.register(gm, gezinstrajectVersion(4, 4), 'beheerder-1');
      const older = await refusal(catalog.register(gm, gezinstrajectVersion(3, 4), 'beheerder-1'));
      expect(older.type).toBe('VersionNotNewer');
      expect(older.message).toMatch(/version 3 is not newer than the highest registered version 4/);
      expect(await catalog.versionsOf(gm, 'gezinstraject')).toEqual([1, 2, 4]);
    });
  });

  it('refuses a version not newer than a shipped one', async () => {
    const gm = municipality();
    const taskQueue = uniqueId('catalog');
    // A release shipping versions 1 and 3.
    const twoShipped = new DefinitionRegistry();
    twoShipped.register(gezinstraject());
    twoShipped.register(gezinstrajectVersion(3, 3));
    await withWorker(taskQueue, async () => {
      const catalog = new DefinitionCatalog({ client: temporal.client, taskQueue, shipped: twoShipped });
      const v2 = await refusal(catalog.register(gm, gezinstrajectVersion(2, 4), 'beheerder-1'));
      expect(v2.type).toBe('VersionNotNewer');
      expect(v2.message).toMatch(/version 2 is not newer than the shipped version 3/);
      expect((await refusal(catalog.register(gm, gezinstrajectVersion(3, 4), 'beheerder-1'))).type).toBe('VersionExists');
      expect(await catalog.register(gm, gezinstrajectVersion(3, 3), 'beheerder-1')).toEqual({ definition: gezinstrajectVersion(3, 3), source: 'shipped' });
      // Nothing was registered: no catalog workflow.
      await expect(temporal.client.workflow.getHandle(catalogWorkflowId(gm)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
      await catalog.register(gm, gezinstrajectVersion(4, 4), 'beheerder-1');
      expect(await catalog.versionsOf(gm, 'gezinstraject')).toEqual([1, 3, 4]);
    });
  });

  it('lets exactly one of two racing registrations of the same version win', async () => {
    const gm = municipality();
    await withWorker(uniqueId('catalog'), async (catalog) => {
      const results = await Promise.allSettled([
        catalog.register(gm, gezinstrajectVersion(2, 3), 'beheerder-1'),
        catalog.register(gm, gezinstrajectVersion(2, 4), 'beheerder-2'),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toBeInstanceOf(CatalogError);
      expect((rejected.reason as CatalogError).type).toBe('VersionExists');
      expect(await catalog.versionsOf(gm, 'gezinstraject')).toEqual([1, 2]);
    });
  });

  it('keeps registrations in Temporal: a new worker and a new client see them', async () => {
    const gm = municipality();
    const taskQueue = uniqueId('catalog');
    const v2 = gezinstrajectVersion(2, 3);
    const record = await withWorker(taskQueue, (catalog) => catalog.register(gm, v2, 'beheerder-1'));

    const connection = await Connection.connect({ address: temporal.env.address });
    try {
      const client = new Client({ connection, namespace: 'default', dataConverter: testDataConverter() });
      await withWorker(
        taskQueue,
        async (catalog) => {
          expect(await catalog.get(gm, 'gezinstraject')).toEqual(v2);
          expect((await catalog.list(gm))[0]!.versions[1]).toEqual({
            version: 2,
            source: 'registered',
            registeredBy: 'beheerder-1',
            registeredAt: record.registeredAt,
          });
          // The new worker replays the catalog's history and carries on from it.
          await catalog.register(gm, gezinstrajectVersion(3, 4), 'beheerder-2');
          expect((await refusal(catalog.register(gm, gezinstrajectVersion(2, 4), 'beheerder-2'))).type).toBe('VersionExists');
          expect(await catalog.versionsOf(gm, 'gezinstraject')).toEqual([1, 2, 3]);
        },
        client,
      );
    } finally {
      await connection.close();
    }
  });

  it('continues as new without losing a version', async () => {
    const gm = municipality();
    const workflowId = catalogWorkflowId(gm);
    const taskQueue = uniqueId('catalog');
    await withWorker(taskQueue, async (catalog) => {
      const first = await temporal.client.workflow.start(definitionCatalogWorkflow, {
        workflowId,
        taskQueue,
        args: [{ municipality: gm, maxHistoryEvents: 12 }],
      });
      const records = [];
      for (let version = 2; version <= 7; version++) records.push(await catalog.register(gm, gezinstrajectVersion(version, version), `beheerder-${version}`));

      expect((await temporal.client.workflow.getHandle(workflowId, first.firstExecutionRunId).describe()).status.name).toBe('CONTINUED_AS_NEW');
      const current = await temporal.client.workflow.getHandle(workflowId).describe();
      expect(current.runId).not.toBe(first.firstExecutionRunId);
      expect(current.status.name).toBe('RUNNING');

      expect((await catalog.list(gm))[0]!.versions).toEqual([
        { version: 1, source: 'shipped' },
        ...records.map((r) => ({ version: r.definition.version, source: 'registered', registeredBy: r.registeredBy, registeredAt: r.registeredAt })),
      ]);
      expect(await catalog.get(gm, 'gezinstraject', 3)).toEqual(gezinstrajectVersion(3, 3));
      // Idempotency and refusals hold across runs.
      expect(await catalog.register(gm, gezinstrajectVersion(2, 2), 'someone-else')).toEqual(records[0]);
      expect((await refusal(catalog.register(gm, gezinstrajectVersion(5, 9), 'beheerder-1'))).type).toBe('VersionExists');
    });
  });

  it('does not silently replace a terminated catalog with an empty one', async () => {
    const gm = municipality();
    const v2 = gezinstrajectVersion(2, 3);
    await withWorker(uniqueId('catalog'), async (catalog) => {
      await catalog.register(gm, v2, 'beheerder-1');
      await temporal.client.workflow.getHandle(catalogWorkflowId(gm)).terminate('by hand');
      await expect(catalog.register(gm, gezinstrajectVersion(3, 4), 'beheerder-1')).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
      // What was registered can still be read (a closed workflow answers queries while it is retained).
      expect(await catalog.versionsOf(gm, 'gezinstraject')).toEqual([1, 2]);
    });
  });
});
